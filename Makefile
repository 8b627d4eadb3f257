# Jiayuan: the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SEED   ?= 1
# TODAY=YYYY-MM-DD anchors the demo's year on that day (default: today).
TODAY  ?=

# Local keys (var/local-keys.env) for development, demo and tests only.
DEV_ENV := JIAYUAN_LOCAL_KEYS=1

.PHONY: install demo test test-fast test-clock bench lint format messages lock system-deps clean

# Development and demo install the dev lock (runtime + test tools);
# production installs requirements.lock only (docs/deployment.md).
$(BIN)/.installed: requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

install: $(BIN)/.installed

system-deps:
	@scripts/system-deps.sh

demo: install
	JIAYUAN_DEMO=1 DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	@JIAYUAN_DEMO=1 DEBUG=1 $(BIN)/python manage.py demo --scale station --seed $(SEED) --if-empty -v2 $(if $(TODAY),--today $(TODAY))
	@echo "Jiayuan demo: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it; the data stays in var/)"
	JIAYUAN_DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite, browser test included, on every core (pytest-xdist; each
# worker has its own test database). DATABASE_URL selects PostgreSQL.
# PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --dist loadgroup
test: install system-deps
	$(DEV_ENV) $(BIN)/python -m pytest $(XDIST)

# Without the browser test (no Chromium needed).
test-fast: install
	$(DEV_ENV) $(BIN)/python -m pytest $(XDIST) -m "not browser"

# The whole suite again with the clock moved (tests/conftest.py reads
# JIAYUAN_TEST_TODAY): a leap day and a year end. Future days only: Chromium
# keeps the real clock for cookie expiry. CLOCK_DAYS="2028-06-30" picks others.
# On SQLite (DATABASE_URL is ignored): what moves here is the clock, not the database.
CLOCK_DAYS ?= 2028-02-29 2027-12-31
test-clock: install system-deps
	@for day in $(CLOCK_DAYS); do \
	  echo "== the suite with the clock moved to $$day (JIAYUAN_TEST_TODAY=$$day)"; \
	  env -u DATABASE_URL JIAYUAN_TEST_TODAY=$$day $(DEV_ENV) $(BIN)/python -m pytest $(XDIST) \
	    || exit $$?; \
	done

# Every benchmark in sequence (bench/run.py), each printing its ratios against a
# baseline measured in the same run: search, imports, dashboard, writers, load,
# replica, growth. One of them: BENCH_ARGS="--only search" (or imports, …).
bench: install
	$(DEV_ENV) $(BIN)/python bench/run.py $(BENCH_ARGS)

# The growth curve (bench/growth.py, issue 19): copies of the PostgreSQL district
# grown or shrunk by SQL to 100k, 300k and 1M people, each measured (search, the
# household file, tick, the desk queues, the dashboard) against the log n and
# linear predictions: BENCH_ARGS="--sizes 100000 300000" for a quicker run.
.PHONY: bench-growth
bench-growth: install
	$(DEV_ENV) $(BIN)/python bench/growth.py $(BENCH_ARGS)

# The dashboard and the quarterly district report (bench/dashboard_report.py),
# on the data `make bench` loads (reused when loaded): BENCH_ARGS="--db sqlite".
.PHONY: bench-dashboard
bench-dashboard: install
	$(DEV_ENV) $(BIN)/python bench/dashboard_report.py $(BENCH_ARGS)

# Concurrent writers and the audit lock (bench/audit_writers.py), PostgreSQL:
# BENCH_ARGS="--writers 1 4 --seconds 4".
.PHONY: bench-writers
bench-writers: install
	$(DEV_ENV) $(BIN)/python bench/audit_writers.py $(BENCH_ARGS)

# Search, the dashboard and a report read from a read replica against the primary
# (bench/replica.py): a standby made with pg_basebackup from BENCH_PG, removed after.
.PHONY: bench-replica
bench-replica: install
	$(DEV_ENV) $(BIN)/python bench/replica.py $(BENCH_ARGS)

# The load test (bench/load.py, docs/scale.md): gunicorn on the PostgreSQL bench
# database, driven by locust with staff, grid workers and residents:
# BENCH_ARGS="--scale station" for a quick run.
.PHONY: bench-load
bench-load: install
	$(DEV_ENV) $(BIN)/python bench/load.py $(BENCH_ARGS)

# Every check runs even when one fails, so one run shows everything to fix
# (docs/development.md, "Layers and checks").
lint: install
	@status=0; \
	echo "== ruff"; $(BIN)/ruff check . || status=1; \
	echo "== migrations"; $(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run -v0 || status=1; \
	echo "== layers (import-linter, [tool.importlinter] in pyproject.toml)"; \
	$(BIN)/lint-imports || status=1; \
	echo "== architecture (tests/core/test_architecture.py)"; \
	$(DEV_ENV) $(BIN)/python -m pytest tests/core/test_architecture.py || status=1; \
	echo "== types (mypy, scripts/typecheck.py)"; \
	$(DEV_ENV) $(BIN)/python scripts/typecheck.py || status=1; \
	exit $$status

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract and compile the translation catalogues (needs GNU gettext).
messages: install
	cd jiayuan && $(DEV_ENV) ../$(BIN)/python ../manage.py makemessages -l zh_Hans -l zh_Hant -l en --no-obsolete
	cd jiayuan && $(DEV_ENV) ../$(BIN)/python ../manage.py compilemessages

# Regenerate both lock files from pyproject.toml (needs network to PyPI).
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache
