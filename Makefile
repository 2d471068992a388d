# The two commands: `make run` (the app on the demo store) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench wheel-check clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11, 4))' || \
	  { echo "conneqt-dpo needs Python 3.11.4 or newer (set PYTHON=python3.12)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/conneqt-dpo --demo

test: $(STAMP)
	$(BIN)/ruff check conneqt_dpo tests bench database
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check conneqt_dpo tests bench database
	$(BIN)/ruff format --check conneqt_dpo tests bench database

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_clock.py
	$(BIN)/python bench/bench_locker.py
	$(BIN)/python bench/bench_letters.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_gui.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
