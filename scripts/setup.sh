#!/usr/bin/env bash
# Sets everything up on a fresh machine: .venv, the CPU build of PyTorch (before sentence-transformers,
# so pip does not pull a multi-GB CUDA build), the project with its dev extras, and the search index.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e '.[dev]'
HF_HUB_OFFLINE=1 .venv/bin/hotline index build
