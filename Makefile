# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
PORT ?= 8000
INTEROP_VENV ?= .venv-interop
INTEROP_STAMP = $(INTEROP_VENV)/.installed-$(shell cat requirements-interop.txt | cksum | cut -d' ' -f1)

.PHONY: run test lint fmt check migrations-check install fuzz bench interop

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --base-url http://127.0.0.1:$(PORT)
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy preciate organizations keys scim

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(STAMP)
	SECRET_KEY=check $(BIN)/python manage.py makemigrations --check --dry-run

check: lint migrations-check test

# The long fuzz run (docs/security.md, Fuzzing): over 100,000 generated SCIM requests.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

# Entra's cycles against gunicorn on a throwaway PostgreSQL database, next to a bare Django
# view (docs/performance.md); e.g. BENCH_ARGS="--users 2000 --clients 8,16,32".
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# scim2-tester and scim-sanity against a throwaway server: runserver on SQLite, and with
# DATABASE_URL=postgres://… gunicorn on a throwaway PostgreSQL database too (docs/interop.md).
# The tools live in their own venv so the app's requirements stay clean.
$(INTEROP_STAMP): requirements-interop.txt
	test -x $(INTEROP_VENV)/bin/python || $(PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/python -m pip install --quiet -r requirements-interop.txt
	rm -f $(INTEROP_VENV)/.installed-*
	touch $(INTEROP_STAMP)

interop: $(STAMP) $(INTEROP_STAMP)
	$(BIN)/python interop/run.py
