import numpy as np
import pytest

from recommender import selectors


@pytest.fixture(autouse=True)
def fresh_index_cache(settings):
    """Each test starts with no mapped index in this process and no inline rebuilds unless it asks."""
    settings.RECOMMENDER_REBUILD_INLINE = False
    selectors.forget_loaded_index()
    yield
    selectors.forget_loaded_index()


@pytest.fixture
def unit_vectors():
    def make(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
        x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    return make
