# Two commands matter: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL that `make test` also runs the suite on when it answers.
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
PG_TEST_URL ?= postgres://postgres@$(PG_HOST):$(PG_PORT)/test
PYTEST_ARGS ?=

.PHONY: help install run test test-sqlite test-postgres test-clocks lint bench browser-deps clean messages translations check-messages

help:
	@echo "make run    set everything up and start the portal on http://$(HOST):$(PORT)"
	@echo "make test   lint, types, migration check, the suite on SQLite and on PostgreSQL"
	@echo "make bench  benchmarks (figures printed, nothing asserted)"
	@echo "make test-clocks  the suite with the clock moved to New Year, DST nights, ..."

# Creates the virtual environment with the first Python >= 3.12 found.
$(PY):
	@py=$$(.ci/find-python) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The German catalogue: locale/de/LC_MESSAGES/django.po is in the repository,
# the compiled .mo beside it is built here (GNU gettext installed if missing).
MO := locale/de/LC_MESSAGES/django.mo
$(MO): locale/de/LC_MESSAGES/django.po
	@.ci/ensure-gettext
	msgfmt --check --output-file $@ $<

translations: $(MO)

# After changing texts in the code: brings the new and changed ones into the
# catalogue, to be translated there (docs/glossary.md) and committed.
messages: install
	$(PY) manage.py makemessages --locale de --no-location --no-obsolete \
		--ignore '.venv/*' --ignore 'tests/*' --ignore 'staticfiles/*' \
		--ignore 'node_modules/*' --ignore 'build/*'

# Fails on an untranslated or fuzzy message, or one the catalogue lacks.
check-messages: install
	@.ci/ensure-gettext
	@PY=$(PY) .ci/check-messages

run: install translations
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo --verbosity 0
	@echo "Starting the portal on http://$(HOST):$(PORT) (Ctrl-C stops it)"
	$(PY) manage.py runportal $(HOST):$(PORT)

lint: install check-messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

browser-deps: install
	@.ci/ensure-chromium
	@.ci/ensure-oidc-provider

test-sqlite: install translations
	@echo "== pytest on SQLite"
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install translations
	@if .ci/pg-answers $(PG_HOST) $(PG_PORT); then \
		echo "== pytest on PostgreSQL ($(PG_HOST):$(PG_PORT))"; \
		DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL on $(PG_HOST):$(PG_PORT) does not answer: PostgreSQL run skipped"; \
	fi

test: install browser-deps translations
	@echo "== ruff, format check, mypy, migrations check"
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres
	@echo "== all checks passed"

# The suite without the browser tests, with the whole process's clock moved
# (libfaketime) to each moment .ci/test-clocks lists, on SQLite; then on
# PostgreSQL at the two riskiest when it answers. Not part of `make test`:
# it runs the suite ten times.
CLOCKS_ON_POSTGRES ?= new-years-eve autumn-second
test-clocks: install translations
	env -u DATABASE_URL .ci/test-clocks -- $(PYTEST_ARGS)
	@if .ci/pg-answers $(PG_HOST) $(PG_PORT); then \
		DATABASE_URL=$(PG_TEST_URL) .ci/test-clocks $(CLOCKS_ON_POSTGRES) -- $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL on $(PG_HOST):$(PG_PORT) does not answer: PostgreSQL runs skipped"; \
	fi

# Benchmarks live in tests/benchmarks/bench_*.py: they print figures and
# assert nothing about time, so the normal test run does not collect them.
bench: install
	@if ls tests/benchmarks/bench_*.py >/dev/null 2>&1; then \
		$(VENV)/bin/pytest tests/benchmarks -s -q -p no:cacheprovider \
			-o python_files='bench_*.py' -o python_functions='bench_* test_*'; \
	else \
		echo "No benchmarks yet (tests/benchmarks/bench_*.py)"; \
	fi

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache
