# Two commands do all the set-up on a fresh machine:
#   make run    create .venv on first use, install, open the app on the sample project
#   make test   create .venv on first use, install, run the whole test suite (Qt offscreen)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/bpr-studio gui

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_import

clean:
	rm -rf $(VENV) build *.egg-info
