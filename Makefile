# The two commands a newcomer needs:  make demo  |  make test
# Both create .venv themselves with Python 3.11 and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test cluster install install-dev lint typecheck clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "需要 Python 3.11 (found %s)" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: install, migrate, build the demo district, run web server + worker (Ctrl-C stops both)
demo: install
	$(BIN)/luoshi demo

## make test: install dev dependencies and run the whole suite in parallel (pytest-xdist; SQLite, or
## PostgreSQL with LUOSHI_TEST_DATABASE_URL)
test: install-dev
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

## make cluster: nginx + two web nodes + two RQ workers on PostgreSQL + Redis (127.0.0.1), checked and
## removed again (scripts/cluster.py; installs nginx-light with apt-get when nginx is missing)
cluster: install
	$(BIN)/python scripts/cluster.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## make typecheck: mypy on core, audit, orgs and every services.py / selectors.py ([tool.mypy] in
## pyproject.toml; the django-stubs plugin imports the settings, hence LUOSHI_TESTING=1)
typecheck: install-dev
	LUOSHI_TESTING=1 $(BIN)/mypy

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache .mypy_cache
