# The two commands: `make demo` and `make test`. Both create .venv/ when missing.
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: demo test test-quick venv bench clean

.venv/.ready: pyproject.toml scripts/setup_venv.sh
	bash scripts/setup_venv.sh
	touch $@

venv: .venv/.ready

demo: .venv/.ready
	$(PY) -m distgnn.demo

test: .venv/.ready
	PYTHONFAULTHANDLER=1 $(PY) -m pytest tests $(PYTEST_ARGS)

test-quick: .venv/.ready
	PYTHONFAULTHANDLER=1 $(PY) -m pytest tests -m "not slow and not multinode" $(PYTEST_ARGS)

bench: .venv/.ready
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) bench/layers.py

clean:
	rm -rf .venv build *.egg-info
