#!/usr/bin/env bash
# One short check on a machine with a CUDA GPU: the GraphSAGE and ClusterGCN jobs for one
# epoch with scaling.use_gpu=true, layer-wise inference on CUDA, and the layer bench on CUDA.
#
#   bash bench/gpu_check.sh [OUT_DIR]        (from the repository root, after `make venv`)
#
# Prints each step's last lines; exits non-zero at the first failure.
set -euo pipefail

PY=${PY:-.venv/bin/python}
OUT=${1:-${OUT:-/tmp/distgnn-gpu-check}}
mkdir -p "$OUT"
GRAPH=(-p data.generator.num_nodes=200000 -p data.generator.num_blocks=16
       -p data.generator.num_features=32 -p data.generator.train_per_class=2000
       -p data.generator.num_val=5000 -p data.generator.num_test=20000 -p data.num_parts=16
       -p data.output="$OUT/graph.zarr")

step() { echo; echo "== $1"; }

step "CUDA visible to torch"
"$PY" - <<'EOF'
import torch
assert torch.cuda.is_available(), "torch sees no CUDA device"
print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))
EOF

step "graphsage job, 1 epoch on CUDA (shard-server actors, feature cache)"
"$PY" -m distgnn.cli train examples/configs/graphsage.yaml "${GRAPH[@]}" \
  -p run.dir="$OUT/graphsage" -p run.epochs=1 -p run.progress=false \
  -p scaling.use_gpu=true -p scaling.num_workers=1 -p sampler.num_actors=2 \
  -p sampler.batch_size=1024 2>&1 | tail -n 4

step "layer-wise inference of that run on CUDA, then predictions exported"
"$PY" -m distgnn.cli infer "$OUT/graphsage" --device cuda 2>&1 | tail -n 2
"$PY" -m distgnn.cli export "$OUT/graphsage" --what predictions --out "$OUT/pred.parquet" \
  --overwrite 2>&1 | tail -n 1

step "cluster_gcn job, 1 epoch on CUDA"
"$PY" -m distgnn.cli train examples/configs/cluster_gcn.yaml "${GRAPH[@]}" \
  -p run.dir="$OUT/cluster_gcn" -p run.epochs=1 -p run.progress=false \
  -p scaling.use_gpu=true -p scaling.num_workers=1 2>&1 | tail -n 4

step "layers on CUDA: forward + backward, distgnn vs torch_geometric"
"$PY" bench/gpu_layers.py --device cuda 2>&1 | tail -n 8

echo; echo "gpu check: done ($OUT)"
