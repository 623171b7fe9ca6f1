"""Nearest-neighbour search over item embeddings: an Annoy index on disk, and an exact numpy fallback.

Every index here takes unit vectors and reports ``sqrt(2 - 2 cos)`` (0 identical, 2 opposite), exactly: the Annoy
forest only proposes candidates, which are re-scored on the full vectors. The modules, by concern:

- ``exact``: the distance, the id map, ``ExactIndex`` (the reference for recall and the fallback), ``VectorIndex``;
- ``forest``: ``AnnoyVectorIndex`` (build, load, query with over-fetch and exact re-rank), ``Pca``, ``load_index``;
- ``folder``: the folder's files and ``meta.json`` (``IndexMeta``), checked before Annoy maps anything.

Every public name is importable from ``ml.index`` itself, as before the split.
"""
from __future__ import annotations

from ml.index.exact import ExactIndex, Neighbours, VectorIndex, as_float32
from ml.index.folder import (
    DEFAULT_N_TREES,
    DEFAULT_OVERFETCH,
    DEFAULT_PCA_DIMS,
    DEFAULT_SEARCH_K,
    FORMAT_VERSION,
    IDS_FILE,
    INDEX_FILE,
    MAX_RERANK,
    META_FILE,
    METRICS,
    PCA_FILE,
    VECTORS_FILE,
    IndexFile,
    IndexLoadError,
    IndexMeta,
    IndexVersionMismatch,
    Metric,
    FilesStamp,
    file_sha256,
    files_stamp,
    read_meta,
    verify_folder,
)
from ml.index.forest import AnnoyVectorIndex, Fallback, Pca, build_index, load_index, verify_mapped
from ml.vectors import normalise

__all__ = [
    "DEFAULT_N_TREES",
    "DEFAULT_OVERFETCH",
    "DEFAULT_PCA_DIMS",
    "DEFAULT_SEARCH_K",
    "FORMAT_VERSION",
    "IDS_FILE",
    "INDEX_FILE",
    "MAX_RERANK",
    "META_FILE",
    "METRICS",
    "PCA_FILE",
    "VECTORS_FILE",
    "AnnoyVectorIndex",
    "ExactIndex",
    "Fallback",
    "FilesStamp",
    "IndexFile",
    "IndexLoadError",
    "IndexMeta",
    "IndexVersionMismatch",
    "Metric",
    "Neighbours",
    "Pca",
    "VectorIndex",
    "as_float32",
    "build_index",
    "file_sha256",
    "files_stamp",
    "load_index",
    "normalise",
    "read_meta",
    "verify_folder",
    "verify_mapped",
]
