"""Fixtures shared by the sampler tests."""
import pytest

from sampler_helpers import make_graph, write_test_store


@pytest.fixture(scope="session")
def graph():
    return make_graph()


@pytest.fixture(scope="session")
def store4(tmp_path_factory, graph):
    return write_test_store(tmp_path_factory.mktemp("stores") / "g4.zarr", graph, 4)
