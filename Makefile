# Xianfeng: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PG_URL ?= postgres://postgres@127.0.0.1:5432/xianfeng
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test demo serve test test-sqlite test-postgres lint format bench clean messages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	@# End-to-end tests drive Debian's Chromium; CJK fonts make screenshots readable.
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "chromium not installed: end-to-end tests will be skipped"; }
	@# The workbook test opens the generated Excel file in LibreOffice, as a user's office suite would.
	@command -v libreoffice >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui libreoffice-writer-nogui >/dev/null) \
	  || echo "libreoffice not installed: the workbook-in-LibreOffice test will be skipped"; }

demo: install
	XF_DEMO=1 XF_TODAY=2024-12-06 $(PY) manage.py migrate --noinput
	XF_DEMO=1 XF_TODAY=2024-12-06 $(PY) manage.py load_demo
	@# No worker runs beside the demo server: background tasks (recomputes, refreshes) run inline.
	@# DEBUG off, as users will see it: readable error pages instead of the debug ones.
	XF_DEMO=1 XF_TODAY=2024-12-06 XF_TASKS_BACKEND=immediate XF_DEBUG=0 $(PY) manage.py runserver --noreload $(HOST):$(PORT)

serve: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test-sqlite: install-test
	@echo "== tests on SQLite =="
	XF_DATABASE_URL= $(VENV)/bin/pytest

test-postgres: install-test
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== tests on PostgreSQL =="; XF_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest; \
	else echo "PostgreSQL not reachable at $(PG_URL): skipping the PostgreSQL run"; fi

test: lint test-sqlite test-postgres

bench: install-test
	@for script in bench/bench_*.py; do echo "== $$script =="; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var
