# The README's two commands:  `make demo`  and  `make test`.  Each sets itself up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# the stamp's name changes whenever the dependency files change, so setup reruns only then
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | md5sum | cut -c1-10)
export HF_HUB_OFFLINE := 1
export MPLBACKEND := Agg

.PHONY: setup demo test export readme clean-nbs

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/pip install -q --no-deps facenet-pytorch==2.6.0 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import torch, torchvision, fastai, timm, facenet_pytorch, pytorch_grad_cam, deepfake_detect"
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: setup
	$(BIN)/dfd demo

test: setup
	$(BIN)/nbdev-export
	$(BIN)/nbdev-test
	$(BIN)/python -m pytest -q

export: setup
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean

readme: setup
	$(BIN)/jupyter nbconvert --to markdown --stdout nbs/index.ipynb --log-level=ERROR > README.md
