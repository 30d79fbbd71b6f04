#!/usr/bin/env bash
# Create or update .venv/ at the repository root with everything distgnn needs.
# Usage: scripts/setup_venv.sh [cpu|cuda]   (default: cpu; or DISTGNN_TORCH=cuda)
set -euo pipefail
cd "$(dirname "$0")/.."
VARIANT="${1:-${DISTGNN_TORCH:-cpu}}"
PY="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
WHEELS="${DISTGNN_WHEELS:-../shared/wheels}"
EXT="torch-scatter==2.1.2 torch-sparse==0.6.18 torch-cluster==1.6.3"

[ -x .venv/bin/python ] || { echo "[setup] creating .venv"; "$PY" -m venv .venv; }
VPY=.venv/bin/python
PIP="$VPY -m pip"
$PIP install -q --upgrade pip setuptools wheel

if ! $VPY -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '${TORCH_VERSION}')" 2>/dev/null; then
  echo "[setup] installing torch ${TORCH_VERSION} (${VARIANT})"
  if [ "$VARIANT" = "cpu" ]; then
    # The CPU build; where it is not on local disk, PyTorch's CPU index serves it.
    $PIP install -q "torch==${TORCH_VERSION}" || \
      $PIP install -q "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu
  else
    $PIP install -q "torch==${TORCH_VERSION}"
  fi
fi

# torch-scatter / torch-sparse / torch-cluster compile against the installed torch.
if ! $VPY -c "import torch_scatter, torch_sparse, torch_cluster" 2>/dev/null; then
  $PIP install -q numpy scipy
  if [ -d "$WHEELS" ]; then
    echo "[setup] installing torch-scatter, torch-sparse, torch-cluster from $WHEELS"
    $PIP install -q --no-build-isolation --find-links "$WHEELS" $EXT
  else
    echo "[setup] building torch-scatter, torch-sparse, torch-cluster from source (about 15 minutes)"
    $PIP install -q --no-build-isolation $EXT
  fi
fi

$PIP install -q -e ".[test]"

# torch_geometric 1.7.2, the oracle of the drop-in tests, beside the venv (not in it).
if [ ! -d .venv/pyg17 ]; then
  $PIP install -q --no-deps --target .venv/pyg17 torch-geometric==1.7.2 || \
    echo "[setup] torch-geometric 1.7.2 oracle not installed; its tests will skip"
fi
# Compile the numba kernels now (cached beside the sources), not during the first job.
$VPY -m distgnn.jobs.warmup
echo "[setup] .venv is ready"
