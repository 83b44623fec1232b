# Two commands a fresh machine needs (see README):
#   make demo   -- create .venv, install, run the Wubei scenario under both models
#   make test   -- create .venv, install with test extras, lint and run every test
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test lint bench golden mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/policesim run scenarios/wubei.yaml --out results/demo --force
	$(BIN)/policesim plot results/demo

lint: $(VENV)/.installed
	$(BIN)/ruff check sim tests $(wildcard benchmarks/*.py)

test: lint
	$(BIN)/python -m pytest -q

golden: $(VENV)/.installed
	$(BIN)/python -m tests.golden

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the simulation core against the fast rule tests (tests/test_rules_*.py);
# settings in pyproject.toml [tool.mutmut], last run in benchmarks/mutation.md. Several
# minutes on 2 cores (the engine alone about 4), so not part of `make test`.
# `$(BIN)/mutmut browse` shows survivors.
mutation: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(or $(JOBS),2)
	$(BIN)/python benchmarks/mutation_summary.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants
