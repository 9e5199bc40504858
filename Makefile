# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench safety-report safety-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/druppel demo

# Four workers on two cores: most of the suite waits on fake platforms, restarts and timers.
# The tests that time an order or a take-over in real seconds (marked `quiet`) need a quiet
# machine: they run after, on their own.
test: $(STAMP)
	$(BIN)/python -m pytest -n 4 -m "not quiet"
	$(BIN)/python -m pytest -m quiet

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot courses scheduler storage tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

safety-report: $(STAMP)
	$(BIN)/python -m tests.safety.report

# Learn the safety net's second opinion again from the tuned part of the corpus.
safety-model: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m tests.safety.train

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
