# One command runs the assistant (`make serve`), one passes the tests (`make test`).
# Both create .venv and install everything on a fresh machine; nothing here needs a model hub.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install index serve test lint eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned, so pip takes the local CPU wheel and nothing pulls another build.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(INSTALLED)

index: $(INSTALLED)
	$(BIN)/rag ingest --if-missing

serve: index
	$(BIN)/rag serve

test: $(INSTALLED)
	$(BIN)/rag ingest --if-missing
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .rag .pytest_cache .ruff_cache
