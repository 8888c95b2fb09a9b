# Shortcuts for `workbench report` and `workbench test` (the entry points, which work without
# make, e.g. on Windows: README). `make report` and `make test` set up .venv first.
# Neither needs a browser: without Chromium the browser tests skip (saying how to install it)
# and reports draw their PNG maps with matplotlib. WORKBENCH_CHROMIUM=none hides an installed
# browser, to check a machine without one (`make test-no-browser`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= data/sample/area.toml
OUT    ?= output
NOTEBOOKS := workbench/notebooks

.PHONY: setup report test test-no-browser lab lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

report: setup
	$(BIN)/workbench report $(CONFIG) --out $(OUT)

test: setup
	$(BIN)/workbench test

test-no-browser: setup
	WORKBENCH_CHROMIUM=none $(BIN)/workbench test

lab: setup
	$(BIN)/jupyter lab $(NOTEBOOKS)

lint: setup
	$(BIN)/ruff check workbench tests benchmarks data/sample/make_synthetic.py
	$(BIN)/ruff format --check workbench tests benchmarks data/sample/make_synthetic.py
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_hotspots.py
	$(BIN)/python benchmarks/bench_maps.py

clean:
	rm -rf $(OUT) .pytest_cache
