# One command per job; every target works on a fresh clone with no hand step.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
# uv from PATH; otherwise the PyPI package, installed with pip on first use and run as
# `python -m uv` (which finds its binary wherever pip put it).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
UV_BOOTSTRAP := $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --user --quiet uv
else
UV_BOOTSTRAP := true
endif
RUN := $(VENV)/bin/

.PHONY: install test lint bench demo run format clean image-test

# Re-runs in a fraction of a second when neither the project nor the lock changed.
$(STAMP): pyproject.toml uv.lock
	@$(UV_BOOTSTRAP)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(STAMP)

test: install
	$(RUN)pytest -q

lint: install
	$(RUN)ruff check .
	$(RUN)ruff format --check .
	$(RUN)mypy --strict bot cogs

format: install
	$(RUN)ruff check --fix .
	$(RUN)ruff format .

bench: install
	$(RUN)python -m benchmarks

demo: install
	$(RUN)ml-audio-bot demo

run: install
	$(RUN)ml-audio-bot run

# Builds the Docker image unmodified and smoke-tests it (help, token check, non-root user,
# catalog, /data, no dev tools, health check). Needs root: it installs docker.io and
# debootstrap with apt-get and starts its own daemon; see ../shared/tools/README-image-smoke.md.
IMAGE_SMOKE ?= ../shared/tools/image-smoke

image-test:
	@test -x $(IMAGE_SMOKE) || { echo "image-test: $(IMAGE_SMOKE) not found (../shared beside the repository)" >&2; exit 1; }
	$(IMAGE_SMOKE) .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
