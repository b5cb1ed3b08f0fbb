# framewatch: `make demo` runs the main job, `make test` passes the tests.
# Both create .venv in the repository root and install framewatch into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STORE ?= data/store/demo.duckdb
PORT ?= 8501

.PHONY: demo test install install-test clean

# the compiled modules (setup.py, pipelines/_compiled.py): editing one recompiles on the next make
COMPILED := $(shell $(PYTHON) -c "import runpy; print(*('pipelines/%s.py' % m for m in runpy.run_path('pipelines/_compiled.py')['COMPILED']))")

$(VENV)/.installed: pyproject.toml setup.py pipelines/_match.c $(COMPILED)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: $(VENV)/.installed
	$(VENV)/bin/framewatch demo --store $(STORE) --serve --port $(PORT)

test: $(VENV)/.installed-test
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/store data/demo .pytest_cache
