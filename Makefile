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

# Every lab notebook, and its learner version (solutions replaced by stubs), runs top to
# bottom against an in-process local AWS under nbval (lax: cells run for real; outputs that
# change per run are sanitised).
notebooks: $(STAMP)
	$(BIN)/python scripts/make_learner.py --out build/learner
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax \
		--nbval-sanitize-with labs/nbval_sanitize.cfg labs/ build/learner/

unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

docs: $(STAMP)
	$(BIN)/mkdocs serve

docs-build: $(STAMP)
	LABLIB_DOCS_EXECUTE=1 $(BIN)/mkdocs build --strict

bench: $(STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

serve: $(STAMP)
	$(BIN)/lablib serve

clean:
	rm -rf build .lablib .pytest_cache .mypy_cache .ruff_cache
