"""The on-disk index folder: its file names, its metadata (``meta.json``, an ``IndexMeta``) and its verification.

Layout of a folder (written by ``AnnoyVectorIndex.build``, read by ``AnnoyVectorIndex.load``)::

    index.ann     Annoy trees over the (projected) vectors, positions 0..n-1
    ids.npy       int64 item id of each position
    vectors.npy   the normalised full vectors (float16 by default), for re-ranking and ``vector()``
    pca.npz       mean and components, only when built with PCA
    meta.json     model version, dims, metric, n_trees, count, defaults, build time, size + sha256 of each file

Annoy maps a file with mmap and trusts it: a truncated or garbled file can crash or hang the process. So a folder is
verified against meta.json (sizes, then sha256) before Annoy opens anything, and anything wrong raises
:class:`IndexLoadError`.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal, TypedDict, cast

FORMAT_VERSION = 1
INDEX_FILE = "index.ann"
IDS_FILE = "ids.npy"
VECTORS_FILE = "vectors.npy"
PCA_FILE = "pca.npz"
META_FILE = "meta.json"
Metric = Literal["euclidean", "angular"]
METRICS: tuple[Metric, ...] = ("euclidean", "angular")

# Chosen from bench/ann.py (see docs/benchmarks.md, "Approximate nearest neighbours").
DEFAULT_N_TREES = 10
DEFAULT_PCA_DIMS = 128
DEFAULT_SEARCH_K = 3_000
DEFAULT_OVERFETCH = 10
MAX_RERANK = 2_000  # a large k (the recommender asks for hundreds) is its own over-fetch; cap the exact re-rank


class IndexLoadError(Exception):
    """The index folder is missing, incomplete, truncated or corrupt; nothing was handed to Annoy."""


class IndexVersionMismatch(IndexLoadError):
    """The index was built from another model version's vectors than the caller expects."""



class IndexFile(TypedDict):
    """One file of a folder as meta.json records it."""

    bytes: int
    sha256: str


class IndexMeta(TypedDict):
    """meta.json of an index folder (``search_k`` and ``overfetch`` are filled in on read when an older file lacks
    them)."""

    format: int
    model_version: str
    dim: int
    pca_dims: int | None
    metric: Metric
    n_trees: int
    count: int
    search_k: int
    overfetch: int
    vector_dtype: str
    seed: int
    built_at: str
    build_seconds: float
    files: dict[str, IndexFile]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def read_meta(folder: Path | str) -> IndexMeta:
    """The parsed meta.json of an index folder. Raises IndexLoadError when absent, unreadable or of another format."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise IndexLoadError(f"{folder}: no {META_FILE} (missing or incomplete index)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexLoadError(f"{folder}: unreadable {META_FILE}: {exc}") from exc
    required = {"format", "model_version", "dim", "pca_dims", "metric", "n_trees", "count", "files"}
    if not isinstance(meta, dict) or not required <= meta.keys():
        raise IndexLoadError(f"{folder}: {META_FILE} lacks {sorted(required - set(meta or {}))}")
    if meta["format"] != FORMAT_VERSION:
        raise IndexLoadError(f"{folder}: index format {meta['format']}, this code reads {FORMAT_VERSION}")
    if meta["metric"] not in METRICS:
        raise IndexLoadError(f"{folder}: unknown metric {meta['metric']!r}")
    meta.setdefault("search_k", DEFAULT_SEARCH_K)
    meta.setdefault("overfetch", DEFAULT_OVERFETCH)
    return cast(IndexMeta, meta)


def verify_folder(folder: Path | str, meta: IndexMeta, *, checksums: bool = True) -> None:
    """Check every file named in the metadata is present with its recorded size (and sha256). Raises IndexLoadError."""
    folder = Path(folder)
    needed = {INDEX_FILE, IDS_FILE, VECTORS_FILE} | ({PCA_FILE} if meta["pca_dims"] else set())
    if missing_from_meta := needed - meta["files"].keys():
        raise IndexLoadError(f"{folder}: metadata lists no {sorted(missing_from_meta)}")
    for name, expect in meta["files"].items():
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise IndexLoadError(f"{folder}: {name} is missing") from exc
        if size != expect["bytes"]:
            raise IndexLoadError(f"{folder}: {name} is {size} bytes, metadata says {expect['bytes']} (truncated?)")
    if checksums:
        for name, expect in meta["files"].items():
            if file_sha256(folder / name) != expect["sha256"]:
                raise IndexLoadError(f"{folder}: {name} fails its sha256 check (corrupt)")



FilesStamp = tuple[tuple[str, tuple[int, int, int, int] | None], ...]


def files_stamp(folder: Path | str, meta: IndexMeta) -> FilesStamp:
    """Size, inode, mtime and ctime of each file the metadata names (ctime moves on any write, even one whose mtime
    was put back). A missing file stamps as None.

    A folder is written once, so a file that changes after it was verified is damage: a loaded index keeps the stamp
    taken before its checksums, and ``verify_mapped`` compares it (a few stat calls) on use."""
    out: list[tuple[str, tuple[int, int, int, int] | None]] = []
    for name in sorted(meta["files"]):
        try:
            st = os.stat(Path(folder) / name)
        except OSError:
            out.append((name, None))
            continue
        out.append((name, (st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)))
    return tuple(out)
