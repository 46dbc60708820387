# The two commands a newcomer needs: `make demo` and `make test`.
VENV := .venv/bin
PYTEST_ARGS ?=

.PHONY: bootstrap test demo lint typecheck unit bench clean

bootstrap:
	./scripts/bootstrap

test: bootstrap
	$(VENV)/ruff check src tests benchmarks
	$(VENV)/ruff format --check src tests benchmarks
	$(VENV)/mypy
	$(VENV)/pytest $(PYTEST_ARGS)

unit: bootstrap
	$(VENV)/pytest -m "not integration" $(PYTEST_ARGS)

lint: bootstrap
	$(VENV)/ruff check src tests benchmarks
	$(VENV)/ruff format --check src tests benchmarks
	$(VENV)/mypy

demo: bootstrap
	$(VENV)/securable demo

bench: bootstrap
	$(VENV)/python -m benchmarks

clean:
	rm -rf .venv .mypy_cache .pytest_cache .ruff_cache build src/*.egg-info
