# liufang — make run | make chat | make test | make bench | make lint | make backup
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# Two install sets: the runtime alone (make run, chat, backup) and the runtime with the test
# and lint tools (make test, lint, bench). Running the bot never installs the test tools.
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
LEARN := $(VENV)/.learn-installed
CONFIG ?= $(if $(wildcard config.toml),config.toml,config.example.toml)

.PHONY: run chat test bench lint check-config model backup clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q --disable-pip-version-check -e .
	touch $(RUNTIME)

# Retraining the model (make model, liufang learn) needs scikit-learn on top of the runtime.
$(LEARN): pyproject.toml $(RUNTIME)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[learn]'
	touch $(LEARN)

$(DEV): pyproject.toml $(RUNTIME)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,lint]'
	touch $(DEV)

run: $(RUNTIME)
	$(PY) -m bot run --config $(CONFIG)

chat: $(RUNTIME)
	$(PY) -m bot chat --config $(CONFIG)

check-config: $(RUNTIME)
	$(PY) -m bot check-config $(CONFIG)

# A copy of the database under backups/ (SQLite online backup, or pg_dump for PostgreSQL).
backup: $(RUNTIME)
	$(PY) -m bot backup --config $(CONFIG)

# Branch coverage of the three packages; the floor (85 % of the lines of handlers/ and
# storage/) fails the run. Reports: coverage.xml and htmlcov/index.html.
test: $(DEV)
	$(PY) -m pytest -q -rs --cov --cov-report=
	$(PY) -m coverage xml -q -o coverage.xml
	$(PY) -m coverage html -q -d htmlcov
	@echo "coverage report: $(CURDIR)/htmlcov/index.html (and $(CURDIR)/coverage.xml)"
	$(PY) -m coverage report --include='handlers/*,storage/*' --skip-covered --sort=cover \
		--fail-under=85

# ONLY=web (or ONLY=intake,sweep) runs some groups; see python -m bench --help.
bench: $(DEV)
	$(PY) -m bench $(if $(ONLY),--only $(ONLY))

lint: $(DEV)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Rebuild the shipped model from handlers/understanding/data/train (reproducible: fixed folds).
model: $(LEARN)
	$(PY) -m bot learn --out handlers/understanding/data/model.npz

clean:
	rm -rf $(VENV) build *.egg-info
