# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock demo test lint bench safety-report safety-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The dependencies come from the lock, every file checked against its hash; druppel itself
# from this folder, editable.
$(STAMP): pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Lock the dependency tree again, with hashes: after changing a range in pyproject.toml, or
# to take newer releases (delete both lock files first). requirements.lock (for the image) is
# made from the development lock, so both pin the same versions.
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(COMPILE) --extra dev -o requirements-dev.lock pyproject.toml
	cp requirements-dev.lock requirements.lock
	$(COMPILE) -o requirements.lock pyproject.toml

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/druppel demo

# Four workers on two cores: most of the suite waits on fake platforms, restarts and timers.
# The tests that time an order or a take-over in real seconds (marked `quiet`) need a quiet
# machine: they run after, on their own. The suite starts druppel as a process about a hundred
# times: compiled once and kept (even where PYTHONDONTWRITEBYTECODE is set), druppel's modules
# and pytest's rewritten tests are not compiled again by each process.
test: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 4 -m "not quiet"
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -m quiet

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
