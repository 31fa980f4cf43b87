# Everything a fresh machine needs, from nothing: `make demo`, `make test`.
# The virtualenv is made from a system Python when there is one, so that the local sandbox's
# unprivileged user can run the same interpreter (a Python under /root is not readable by it).
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, venv; assert sys.version_info >= (3, 11)' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint typecheck validate unit clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/grade examples/submission

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader sandbox tests bench

typecheck: install
	$(BIN)/mypy

validate: install
	$(BIN)/grader validate

unit: install
	$(BIN)/pytest -q

test: lint typecheck validate unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
