# The README's two commands: `make demo` and `make test`, both from a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
CODETUNE := $(VENV)/bin/codetune
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
# The real ZeRO-2 CPU run compiles DeepSpeed ops once (~1.5 min on 2 cores): on in make test.
export CODETUNE_TEST_DEEPSPEED ?= 1
PYTEST_ARGS ?=

.PHONY: install docker sandbox-image demo demo-quick test lint

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU torch first (a local wheel here); a range it satisfies then installs nothing more.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	# codebleu 0.7.0 pins tree-sitter<0.23; its code runs on our 0.26 grammars (see README).
	$(PY) -m pip install -q --no-deps codebleu==0.7.0
	touch $(STAMP)

install: $(STAMP)

docker:
	bash scripts/ensure_docker.sh

sandbox-image: install docker
	$(CODETUNE) sandbox build

demo: install sandbox-image
	$(CODETUNE) demo $(DEMO_ARGS)

demo-quick: install sandbox-image
	$(CODETUNE) demo --quick $(DEMO_ARGS)

# pytest exits 5 when it collected no test: that fails this target like any other failure.
test: install sandbox-image
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check codetune tests benchmarks sandbox examples
