# The newcomer's targets. `make demo` and `make test` need only Python 3.11+.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo install test test-fast lint format worker beat serve bench bench-quick clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# Migrate SQLite, seed the demo data and serve on 127.0.0.1:8000 (tasks run in-process).
demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite. Tests that need PostgreSQL, Redis, a worker or Chromium skip without them
# (REQUIRE_SERVICES=1 makes them fail instead, as CI does).
test: install
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -n 2 -m "not integration and not browser"

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker:
	$(BIN)/celery -A livingwell worker -Q routing,default,notifications,maintenance -l info

beat:
	$(BIN)/celery -A livingwell beat -l info

serve:
	$(BIN)/gunicorn livingwell.wsgi -w 5 -b 127.0.0.1:8000

bench: install
	$(BIN)/python bench/run.py

bench-quick: install
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
