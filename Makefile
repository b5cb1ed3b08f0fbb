# framewatch: `make demo` runs the main job, `make test` passes the tests.
# Both create .venv in the repository root and install framewatch into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STORE ?= data/store/demo.duckdb
PORT ?= 8501

.PHONY: demo test install install-test clean

# the compiled modules (setup.py, pipelines/_compiled.py)
COMPILED := $(shell $(PYTHON) -c "import runpy; print(*('pipelines/%s.py' % m for m in runpy.run_path('pipelines/_compiled.py')['COMPILED']))")

# A fresh venv with framewatch installed (pip builds everything: 3-7 minutes the first time).
$(VENV)/.installed: pyproject.toml setup.py
	@echo "Installing framewatch into $(VENV): the first time takes 3-7 minutes (downloads, then C and Cython builds); pip runs quietly."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@ $(VENV)/.compiled

# The same with the test extras (one build, not two, on a fresh machine).
$(VENV)/.installed-test: pyproject.toml setup.py
	@echo "Installing framewatch and its test tools into $(VENV): the first time takes 3-7 minutes; pip runs quietly."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed $(VENV)/.compiled

# After an edit to a compiled module: recompile, in place, only what changed (seconds, not minutes).
$(VENV)/.compiled: $(VENV)/.installed pipelines/_match.c $(COMPILED)
	$(PY) -m pip install --quiet "setuptools>=77" "Cython>=3.0"
	$(PY) setup.py --quiet build_ext --inplace -j 2
	touch $@

install: $(VENV)/.installed $(VENV)/.compiled

install-test: $(VENV)/.installed-test $(VENV)/.compiled

demo: $(VENV)/.installed $(VENV)/.compiled
	$(VENV)/bin/framewatch demo --store $(STORE) --serve --port $(PORT)

test: $(VENV)/.installed-test $(VENV)/.compiled
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) data/store data/demo .pytest_cache build
