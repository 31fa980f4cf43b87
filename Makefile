# Everything a fresh machine needs, from nothing: `make demo`, `make test`.
# The virtualenv is made from a system Python when there is one, so that the local sandbox's
# unprivileged user can run the same interpreter (a Python under /root is not readable by it).
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, venv; assert sys.version_info >= (3, 11)' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install image browser bubblewrap demo test quick lint typecheck validate unit bench mutation clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The Docker sandbox's image, built offline: a Debian base made with debootstrap when no base
# image can be pulled (root and debootstrap needed then), Python packages from a host wheelhouse.
# Skipped, with a note, where no Docker engine answers: grading then falls back to the local sandbox.
image: install
	@if ! $(BIN)/python -c 'import docker; docker.from_env(timeout=10).ping()' 2>/dev/null; then \
		echo "make image: no Docker engine answers; skipping the sandbox image"; \
	else \
		if ! command -v debootstrap >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; \
		fi; \
		$(BIN)/grader sandbox build; \
	fi

# Headless Chromium, for the test that renders the HTML report in a real browser.
browser:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "make browser: install chromium to run the HTML report's browser test"; \
		fi; \
	fi

# bubblewrap, for the local sandbox's walls (a private mount namespace with a capped scratch);
# without it the local sandbox runs with fewer walls and says which in every report.
bubblewrap:
	@if ! command -v bwrap >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
		else \
			echo "make bubblewrap: install bubblewrap for the local sandbox's walls"; \
		fi; \
	fi

demo: install image bubblewrap
	$(BIN)/grade examples/submission

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader sandbox tests bench

typecheck: install
	$(BIN)/mypy

validate: install image bubblewrap
	$(BIN)/grader validate

unit: install image browser bubblewrap
	$(BIN)/pytest -q

# The tests not marked slow (no whole-submission grading, no wheel build): for while you work.
quick: install
	$(BIN)/pytest -q -m "not slow"

bench: install image
	$(BIN)/python bench/sandboxes.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/referee.py

# Mutation testing: cosmic-ray's mutants of every reference, graded by its hidden suite in the
# sandbox; each exercise must kill 95% (exercises/README.md shows the table). Long: not in `make test`.
mutation: install image bubblewrap
	$(BIN)/grader mutation

test: lint typecheck validate unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
