"""Suite-wide settings.

Tests work on tiny tensors, where thread start-up costs more than it saves and
Ray workers started by other tests compete for the same cores; one intra-op
thread keeps the suite fast and its timings steady.
"""
import torch

torch.set_num_threads(1)

import os  # noqa: E402

import pytest  # noqa: E402

#: Cora in the Planetoid format: ``$DISTGNN_PLANETOID`` or ``../shared/data/planetoid``
#: beside the repository (never copied into it).
PLANETOID_ROOT = os.environ.get(
    "DISTGNN_PLANETOID",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                 "planetoid"))


@pytest.fixture(scope="session")
def cora_root() -> str:
    """Folder holding ``ind.cora.*``; the test is skipped when it is absent."""
    if not os.path.isfile(os.path.join(PLANETOID_ROOT, "ind.cora.graph")):
        pytest.skip(f"Cora is not available under {os.path.normpath(PLANETOID_ROOT)}")
    return PLANETOID_ROOT
