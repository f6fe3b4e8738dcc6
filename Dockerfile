# Production image: slim base, non-root user, the bot as the entry point.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data CONTENT_DIR=/app/content
RUN useradd --create-home --uid 10001 bot && mkdir -p /data && chown bot /data
COPY --from=build /install /usr/local
WORKDIR /app
COPY content ./content
USER bot
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=10s CMD ["migrant-bot", "content", "check", "/app/content", "--quiet"]
ENTRYPOINT ["migrant-bot"]
CMD ["run"]
