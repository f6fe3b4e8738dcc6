"""The servers `make test` starts (scripts/test-services.sh): fresh for each test, or a skip."""

from __future__ import annotations

import os

import asyncpg
import pytest
from redis.asyncio import Redis


def service_url(variable: str) -> str:
    """The URL `make test` exports; plain `pytest` without it skips the test instead."""
    url = os.environ.get(variable, "")
    if not url:
        pytest.skip(f"{variable} is not set: `make test` starts the server")
    return url


async def fresh_postgres() -> str:
    """An empty database, so each test also runs every migration from the start."""
    url = service_url("TEST_DATABASE_URL")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return url


async def fresh_redis() -> str:
    url = service_url("TEST_REDIS_URL")
    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    return url
