# Two commands do all the set-up on a fresh machine:
#   make run    create .venv on first use, install, open the app on the sample project
#   make test   create .venv on first use, install, run the gates (make lint: ruff, mypy,
#               import-linter) and the whole test suite (Qt offscreen)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bpr-studio gui

# The gates (configured in pyproject.toml): style, types of the core, layer contracts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_import

clean:
	rm -rf $(VENV) build *.egg-info
