# liufang — make run | make chat | make test | make bench | make lint
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG ?= $(if $(wildcard config.toml),config.toml,config.example.toml)

.PHONY: run chat test bench lint check-config model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run --config $(CONFIG)

chat: $(STAMP)
	$(PY) -m bot chat --config $(CONFIG)

test: $(STAMP)
	$(PY) -m pytest -q -rs

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rebuild the shipped model from handlers/understanding/data/train (reproducible: fixed folds).
model: $(STAMP)
	$(PY) -m bot learn --out handlers/understanding/data/model.npz

check-config: $(STAMP)
	$(PY) -m bot check-config $(CONFIG)

clean:
	rm -rf $(VENV) build *.egg-info
