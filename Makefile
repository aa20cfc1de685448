# Two entry points on a fresh machine: `make demo` (release + grade the sample submissions) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# torch is pinned here (2.13.0 is the build this machine installs locally; an unpinned torch pulls gigabytes).
$(BIN)/course: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0 'otter-grader[grading]==7.0.0' nbgrader==0.9.6 -e '.[test]'
	touch $@

install: $(BIN)/course

demo: $(BIN)/course
	$(BIN)/course demo

# Both tiers, on every core (pytest-xdist). For development, the fast tier alone (< 60 s on 2 cores):
#   .venv/bin/python -m pytest -m "not integration"
test: $(BIN)/course
	$(BIN)/python -m pytest -n auto

test-fast: $(BIN)/course
	$(BIN)/python -m pytest -m "not integration"

lab: $(BIN)/course
	$(BIN)/course handout
	$(BIN)/jupyter lab build/handout/

.PHONY: install demo test test-fast lab
