# Two commands for a learner: `make lab` and `make test`. Everything else is for maintainers.
# Another interpreter, in its own venv: make PYTHON=python3.12 VENV=.venv-3.12 pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Each Python runtime's own environment (lablib runtimes) lives in the project, made once.
export LABLIB_RUNTIMES_DIR ?= $(CURDIR)/.lablib/runtimes

.PHONY: lab test test-ui pytest lint typecheck unit notebooks docs docs-build bench serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,docs]'
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/lablib lab

# The teaching UI in a real browser (the study site, JupyterLab) and a 5-learner JupyterHub:
# about 12 minutes on 2 cores, so `make test` stays near 20; CI runs both (.ci/run).
UI_TESTS := tests/site tests/jupyterlab tests/hub

test: $(STAMP) lint typecheck
	$(BIN)/lablib runtimes install
	$(BIN)/python -m pytest -q $(addprefix --ignore=,$(UI_TESTS))
	$(MAKE) notebooks

test-ui: $(STAMP)
	$(BIN)/lablib runtimes install
	$(BIN)/python -m pytest -q $(UI_TESTS)

# The whole pytest suite without lint, typecheck and notebooks (CI runs it on each Python).
pytest: $(STAMP)
	$(BIN)/lablib runtimes install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lablib tests scripts benchmarks
	$(BIN)/ruff format --check lablib tests scripts benchmarks
	$(BIN)/lint-imports  # contracts in pyproject.toml: layers, data planes, moto boundary

typecheck: $(STAMP)
	$(BIN)/mypy

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
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

serve: $(STAMP)
	$(BIN)/lablib serve

clean:
	rm -rf build .lablib .pytest_cache .mypy_cache .ruff_cache
