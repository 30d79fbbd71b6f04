import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def small_graph():
    rng = np.random.default_rng(0)
    n = 300
    ei = rng.integers(0, n, (2, 1500))
    return ei, n
