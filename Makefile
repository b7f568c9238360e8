# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-quick lint bench clean install

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/emg-pipeline demo

test: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The tests not marked slow (no whole run, demo, notebook or property hunt): while developing.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadfile

# The pipeline at survey-system scale (100 to 10,000 submissions), side by side with a bare
# read of the same file; writes docs/performance.md (about 10 minutes on a quiet machine once
# the inputs exist; generating them is a one-off of a few minutes, cached in benchmarks/data/).
# See benchmarks/run.py. The openpyxl read is timed up to 1,000 submissions only (about 12x
# the floor at any size; 15-30 s a read at 10,000).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests

clean:
	rm -rf outputs data/processed
