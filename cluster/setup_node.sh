#!/usr/bin/env bash
# Installs distgnn and its GPU dependencies on one node (run inside the Ray image).
# Usage: bash setup_node.sh /path/to/distgnn-checkout [cuda tag, default cu124]
set -euo pipefail
SRC=${1:?usage: setup_node.sh SRC_DIR [CUDA_TAG]}
CUDA=${2:-cu124}
PY=$(command -v python)
"$PY" -m pip install --quiet "torch==2.5.1" --index-url "https://download.pytorch.org/whl/${CUDA}"
"$PY" -m pip install --quiet torch-scatter torch-sparse torch-cluster \
    -f "https://data.pyg.org/whl/torch-2.5.0+${CUDA}.html"  # wheels serve 2.5.x
"$PY" -m pip install --quiet "$SRC"
"$PY" -c "import distgnn, torch; print('distgnn ready, CUDA:', torch.cuda.is_available())"
