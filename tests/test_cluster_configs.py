"""The cluster/ files load and hold the fields cluster/README.md relies on."""
import json
import os
import re
from pathlib import Path

import jsonschema
import pytest
import ray.autoscaler
import yaml

CLUSTER = Path(__file__).resolve().parents[1] / "cluster"
GUIDE = (CLUSTER / "README.md").read_text()
LAUNCHERS = ["aws-gpu.yaml", "gcp-gpu.yaml"]
SHARED = "/mnt/distgnn"
IMAGE = "rayproject/ray:2.60.0-py311-gpu"


def _load(name):
    return yaml.safe_load((CLUSTER / name).read_text())


def _ray_schema():
    path = os.path.join(os.path.dirname(ray.autoscaler.__file__), "ray-schema.json")
    with open(path) as fh:
        return json.load(fh)


@pytest.mark.parametrize("name", LAUNCHERS)
def test_launcher_config_matches_ray_schema(name):
    jsonschema.validate(_load(name), _ray_schema())


@pytest.mark.parametrize("name,provider", [("aws-gpu.yaml", "aws"), ("gcp-gpu.yaml", "gcp")])
def test_launcher_config_fields(name, provider):
    cfg = _load(name)
    assert cfg["provider"]["type"] == provider
    assert cfg["docker"]["image"] == IMAGE
    assert any(SHARED in opt for opt in cfg["docker"]["run_options"])
    types = cfg["available_node_types"]
    assert cfg["head_node_type"] in types
    gpu_types = [t for t in types.values() if t["resources"].get("GPU", 0) >= 1]
    assert gpu_types and all(t["min_workers"] <= t["max_workers"] <= cfg["max_workers"]
                             for t in gpu_types)
    # the repository and the auth token travel to every node
    mounts = cfg["file_mounts"]
    assert mounts["/home/ray/distgnn"] == "." and mounts["/home/ray/distgnn_auth_token"].endswith("auth_token")
    assert any("setup_node.sh" in c for c in cfg["setup_commands"])
    assert any(SHARED in c and "mount" in c for c in cfg["initialization_commands"])
    for key in ("head_start_ray_commands", "worker_start_ray_commands"):
        start = " ".join(cfg[key])
        assert "RAY_AUTH_MODE=token" in start and "RAY_AUTH_TOKEN_PATH=/home/ray/distgnn_auth_token" in start
    assert "--dashboard-host=0.0.0.0" in " ".join(cfg["head_start_ray_commands"])
    assert f"ray up cluster/{name}" in GUIDE


def test_kuberay_manifest():
    docs = list(yaml.safe_load_all((CLUSTER / "kuberay-raycluster.yaml").read_text()))
    pvc = next(d for d in docs if d["kind"] == "PersistentVolumeClaim")
    rc = next(d for d in docs if d["kind"] == "RayCluster")
    assert rc["apiVersion"] == "ray.io/v1" and "ReadWriteMany" in pvc["spec"]["accessModes"]
    spec = rc["spec"]
    assert spec["authOptions"]["mode"] == "token"
    assert spec["rayVersion"] == IMAGE.split(":")[1].split("-")[0]
    head = spec["headGroupSpec"]["template"]["spec"]
    ports = {p["containerPort"] for p in head["containers"][0]["ports"]}
    assert {6379, 8265} <= ports
    pods = [head] + [g["template"]["spec"] for g in spec["workerGroupSpecs"]]
    for pod in pods:
        claims = {v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]
                  if "persistentVolumeClaim" in v}
        assert claims == {pvc["metadata"]["name"]}
        assert any(m["mountPath"] == SHARED for m in pod["containers"][0]["volumeMounts"])
    gpu = [g for g in spec["workerGroupSpecs"]
           if g["template"]["spec"]["containers"][0]["resources"]["limits"].get("nvidia.com/gpu")]
    assert gpu and gpu[0]["minReplicas"] <= gpu[0]["replicas"] <= gpu[0]["maxReplicas"]
    assert f"kubectl get secret {rc['metadata']['name']}" in GUIDE


def _kubernetes_documents(docs):
    """The manifest as Kubernetes' own schemas can check it: its core objects as they are,
    and each pod template of the RayCluster (a custom resource, whose schema ships with
    KubeRay) as a PodTemplate."""
    for d in docs:
        if d["kind"] != "RayCluster":
            yield d
            continue
        spec = d["spec"]
        for t in [spec["headGroupSpec"]["template"]] + [g["template"] for g in spec["workerGroupSpecs"]]:
            yield {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pods"}, "template": t}


def test_kuberay_manifest_passes_the_kubernetes_schemas():
    """What `kubectl apply --dry-run=client` checks, offline: every field known and of its type
    (strict: an unknown field fails, as kubectl's field validation does)."""
    kv = pytest.importorskip("kubernetes_validate")
    docs = list(yaml.safe_load_all((CLUSTER / "kuberay-raycluster.yaml").read_text()))
    checked = list(_kubernetes_documents(docs))
    rc = next(d for d in docs if d["kind"] == "RayCluster")
    assert len(checked) == len(docs) + len(rc["spec"]["workerGroupSpecs"])  # head + workers
    for d in checked:
        kv.validate(d, kv.latest_version(), strict=True)
    typo = json.loads(json.dumps(checked[1]))
    typo["template"]["spec"]["containers"][0]["resourcez"] = typo["template"]["spec"]["containers"][0].pop("resources")
    with pytest.raises(kv.ValidationError, match="'resourcez' was unexpected"):
        kv.validate(typo, kv.latest_version(), strict=True)


def test_dockerfile_and_setup_script():
    docker = (CLUSTER / "Dockerfile").read_text()
    assert f"FROM {IMAGE}" in docker and "setup_node.sh" in docker
    script = (CLUSTER / "setup_node.sh").read_text()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script


def test_guide_covers_the_workflow():
    for step in ("ray get-auth-token --generate", "RAY_AUTH_MODE=token", "ray job submit",
                 "--working-dir .", "ray job logs --follow", "ray rsync-down", "kubectl cp",
                 "--resume", "data.output=" + SHARED, "data.store=" + SHARED, "ray down"):
        assert step in GUIDE, step
    # every placeholder a user must replace is named in the guide
    for name in ("aws-gpu.yaml", "gcp-gpu.yaml", "kuberay-raycluster.yaml"):
        for placeholder in set(re.findall(r"[A-Za-z-]*REPLACE-ME|YOUR-PROJECT-ID|REGISTRY/",
                                          (CLUSTER / name).read_text())):
            assert placeholder in GUIDE, (name, placeholder)
    # the config keys the guide uses exist
    from distgnn.config import load_config
    load_config(None, ["scaling.use_gpu=true", "scaling.num_workers=4",
                       f"data.output={SHARED}/stores/graph.zarr", f"run.dir={SHARED}/runs/gcn"])
