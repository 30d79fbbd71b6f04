#!/usr/bin/env bash
# Create .venv/ at the repository root with everything distgnn needs.
# Usage: scripts/setup_venv.sh [cpu|cuda]   (default: cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
VARIANT="${1:-${DISTGNN_TORCH:-cpu}}"
PY="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
WHEELS="${DISTGNN_WHEELS:-../shared/wheels}"

if [ -x .venv/bin/python ] && .venv/bin/python -c "import distgnn, torch_scatter, torch_sparse, torch_cluster" 2>/dev/null; then
  exit 0
fi

echo "[setup] creating .venv (torch ${TORCH_VERSION}, ${VARIANT})"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install -q --upgrade pip setuptools wheel

if [ "$VARIANT" = "cpu" ]; then
  # The CPU build; on machines where it is not on local disk, PyTorch's CPU index serves it.
  $PIP install -q "torch==${TORCH_VERSION}" || \
    $PIP install -q "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu
else
  $PIP install -q "torch==${TORCH_VERSION}"
fi

# torch-scatter / torch-sparse / torch-cluster compile against the installed torch.
$PIP install -q numpy scipy
EXT="torch-scatter==2.1.2 torch-sparse==0.6.18 torch-cluster==1.6.3"
if [ -d "$WHEELS" ]; then
  echo "[setup] using prebuilt extension wheels from $WHEELS"
  $PIP install -q --no-build-isolation --find-links "$WHEELS" $EXT
else
  echo "[setup] building torch-scatter, torch-sparse, torch-cluster from source (about 15 minutes)"
  $PIP install -q --no-build-isolation $EXT
fi

$PIP install -q -e ".[test]"
echo "[setup] done"
