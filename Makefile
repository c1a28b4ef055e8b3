# Two commands for a learner: `make lab` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint typecheck unit notebooks docs docs-build bench serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,docs]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/lablib lab

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q
	$(MAKE) notebooks

# Every lab notebook runs top to bottom against an in-process local AWS (nbval, lax mode:
# cells run for real; outputs are compared only where a cell asks for it).
notebooks: $(STAMP)
	@if ls labs/*.ipynb >/dev/null 2>&1; then \
		$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax labs/*.ipynb; \
	else echo "no lab notebooks yet"; fi

lint: $(STAMP)
	$(BIN)/ruff check lablib tests benchmarks
	$(BIN)/ruff format --check lablib tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

docs: $(STAMP)
	$(BIN)/mkdocs serve

docs-build: $(STAMP)
	$(BIN)/mkdocs build --strict

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

serve: $(STAMP)
	$(BIN)/lablib serve

clean:
	rm -rf build .lablib .pytest_cache .mypy_cache .ruff_cache
