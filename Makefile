# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint unit bench bench-quick check chat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

## make run: the Telegram bot when BOT_TOKEN is set, otherwise the terminal chat
run: $(STAMP_RUN)
	$(BIN)/migrant-bot run

## make test: lint, content check, then every test (next to throwaway PostgreSQL and Redis)
test: $(STAMP_DEV) lint check unit

unit: $(STAMP_DEV)
	bash scripts/test-services.sh $(BIN)/pytest

lint: $(STAMP_DEV)
	$(BIN)/ruff check bot tests benchmarks fakes
	$(BIN)/ruff format --check bot tests benchmarks fakes
	$(BIN)/mypy bot
	$(BIN)/lint-imports

check: $(STAMP_RUN)
	$(BIN)/migrant-bot content check content --quiet

chat: $(STAMP_RUN)
	$(BIN)/migrant-bot chat

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks

bench-quick: $(STAMP_DEV)
	$(BIN)/python -m benchmarks --quick

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
