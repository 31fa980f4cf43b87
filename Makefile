# Everything a fresh machine needs, from nothing: `make demo`, `make test`.
# The virtualenv is made from a system Python when there is one, so that the local sandbox's
# unprivileged user can run the same interpreter (a Python under /root is not readable by it).
PYTHON ?= $(shell [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, venv; assert sys.version_info >= (3, 11)' 2>/dev/null && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
# The submission service's test database (`make postgres`); psql spells the same URL without the driver.
TEST_DATABASE_URL := postgresql+psycopg://grader:grader@127.0.0.1:5432/grader_test
PG_URL := postgresql://grader:grader@127.0.0.1:5432/grader_test
PG_UP = PGCONNECT_TIMEOUT=3 psql '$(PG_URL)' -qAtX -c 'select 1' >/dev/null 2>&1

.PHONY: install image browser bubblewrap postgres rabbitmq wrk demo test quick lint typecheck validate unit bench mutation clean

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

# Headless Chromium, for the test that renders the HTML report in a real browser, and its
# chromedriver, for the selenium tests of the submission service's pages.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "make browser: install chromium and chromium-driver to run the browser tests"; \
		fi; \
	fi

# PostgreSQL, for the submission service's database tests: Debian's cluster, started with
# pg_ctlcluster (no systemd needed), on port 5432, with a role and database for them at
# $(PG_URL). Without root and without such a server those tests skip.
postgres:
	@if ! $(PG_UP); then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "make postgres: no PostgreSQL at $(PG_URL); the database tests will skip"; \
		else \
			set -e; \
			if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
				apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
			fi; \
			cluster=$$(pg_lsclusters -h | awk '$$3 == 5432 { print $$1 "/" $$2; exit }'); \
			[ -n "$$cluster" ] || cluster=$$(pg_lsclusters -h | awk '{ print $$1 "/" $$2; exit }'); \
			if [ -z "$$cluster" ]; then \
				cluster=$$(ls /usr/lib/postgresql | sort -V | tail -n 1)/main; \
				pg_createcluster $${cluster%/*} main >/dev/null; \
			fi; \
			ver=$${cluster%/*}; name=$${cluster#*/}; \
			port=$$(pg_lsclusters -h $$ver $$name | awk '{ print $$3 }'); \
			if [ "$$port" != 5432 ] && { pg_isready -h 127.0.0.1 -p 5432 -q; [ $$? = 2 ]; }; then \
				pg_ctlcluster $$ver $$name stop >/dev/null 2>&1 || true; \
				pg_conftool $$ver $$name set port 5432; port=5432; \
			fi; \
			case "$$(pg_lsclusters -h $$ver $$name | awk '{ print $$4 }')" in \
				online*) ;; \
				*) pg_ctlcluster $$ver $$name start ;; \
			esac; \
			printf '%s\n' \
				"SELECT 'CREATE ROLE grader' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'grader') \gexec" \
				"ALTER ROLE grader LOGIN PASSWORD 'grader';" \
				"SELECT 'CREATE DATABASE grader_test OWNER grader' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'grader_test') \gexec" \
				"ALTER DATABASE grader_test OWNER TO grader;" \
				| (cd / && runuser -u postgres -- psql --cluster $$cluster -d postgres -qAtX -v ON_ERROR_STOP=1 >/dev/null); \
			if [ "$$port" != 5432 ]; then \
				echo "make postgres: cluster $$cluster listens on port $$port, not 5432 (taken); the database tests will skip"; \
			elif ! $(PG_UP); then \
				echo "make postgres: cluster $$cluster is up but $(PG_URL) does not answer" >&2; exit 1; \
			fi; \
		fi; \
	fi

# RabbitMQ, for the tests and the benchmark of grading across machines (`grader worker`): only
# the package; each test starts nodes of its own (tests/service/servers.py), so nothing runs here.
# iproute2's `ip netns` makes the separate hosts of the multi-host test.
rabbitmq:
	@if ! [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || ! command -v ip >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server iproute2 procps >/dev/null; \
		else \
			echo "make rabbitmq: install rabbitmq-server and iproute2 to run the tests of grader worker"; \
		fi; \
	fi

# wrk, the HTTP load generator that `make bench` drives the submission service with.
wrk:
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "make wrk: install wrk to run the submission service's benchmark"; \
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

# The database tests get $(TEST_DATABASE_URL) only when it answers; otherwise they skip.
unit: install image browser bubblewrap postgres rabbitmq
	$(if $(shell $(PG_UP) && echo up),GRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) )$(BIN)/pytest -q --durations=25

# The tests not marked slow (no whole-submission grading, no wheel build): for while you work.
quick: install
	$(BIN)/pytest -q -m "not slow"

bench: install image wrk rabbitmq postgres
	$(BIN)/python bench/sandboxes.py
	$(BIN)/python bench/batch.py
	$(BIN)/python bench/referee.py
	$(if $(shell $(PG_UP) && echo up),GRADER_TEST_DATABASE_URL=$(TEST_DATABASE_URL) )$(BIN)/python bench/service.py
	$(BIN)/python bench/workers.py

# Mutation testing: cosmic-ray's mutants of every reference, graded by its hidden suite in the
# sandbox; each exercise must kill 95% (exercises/README.md shows the table). Long: not in `make test`.
mutation: install image bubblewrap
	$(BIN)/grader mutation

test: lint typecheck validate unit

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
