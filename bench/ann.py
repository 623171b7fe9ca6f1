"""Approximate nearest neighbours: Annoy (with and without PCA, several n_trees / search_k / over-fetch) vs exact.

For each size N it prints build seconds, index MB (Annoy file; the re-rank vectors separately), query p50/p99 ms for
one query on one core, and recall@10 against exact search; and exact search's latency as the baseline.

Data. The base is a matrix of real item embeddings (``--embeddings var/...npy``, made once with ``--embed``), or, when
there is none, a synthetic stand-in (low-rank clustered vectors, labelled "synthetic" in the output). Larger sizes
are drawn around the base: pick a base vector, add Gaussian noise of total norm ``--noise``, renormalise; generated
in chunks into a float16 memmap under ``--work`` so 1M x 1664 never sits in memory as float32. Queries are held-out
draws made the same way (a profile is never an indexed item).

    .venv/bin/python -m bench.ann --sizes 35554,200000,1000000
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one query, one core: the re-rank and exact baseline must not fan out

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.index import AnnoyVectorIndex, ExactIndex, normalise  # noqa: E402

DIM = 1664
REAL_N = 35_554


def synthetic_base(n: int, dim: int, *, seed: int) -> np.ndarray:
    """Clustered vectors of low intrinsic dimension, a stand-in for real embeddings until they are cached."""
    rng = np.random.default_rng(seed)
    latent_dim, clusters = 48, 200
    mix = rng.normal(size=(latent_dim, dim)).astype(np.float32) * (np.arange(1, latent_dim + 1) ** -0.5)[:, None]
    centres = rng.normal(size=(clusters, latent_dim)).astype(np.float32)
    latent = centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, latent_dim)).astype(np.float32)
    x = latent @ mix + 0.02 * np.sqrt(dim / latent_dim) * rng.normal(size=(n, dim)).astype(np.float32)
    return normalise(x)


def around(base: np.ndarray, n: int, *, noise: float, rng: np.random.Generator) -> np.ndarray:
    picks = base[rng.integers(0, len(base), n)].astype(np.float32)
    jitter = rng.normal(size=picks.shape).astype(np.float32) * (noise / np.sqrt(base.shape[1]))
    return normalise(picks + jitter)


def make_data(base: np.ndarray, n: int, *, noise: float, seed: int, work: Path) -> np.ndarray:
    """The base itself at its own size, else n draws around it in a float16 memmap."""
    if n == len(base):
        return base
    path = work / f"vectors-{n}-from-{len(base)}x{base.shape[1]}-{noise}-{seed}.npy"
    if path.exists():
        return np.load(path, mmap_mode="r")
    rng = np.random.default_rng(seed + n)
    tmp = path.with_suffix(".tmp.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(n, base.shape[1]))
    for start in range(0, n, 50_000):
        stop = min(n, start + 50_000)
        out[start:stop] = around(base, stop - start, noise=noise, rng=rng)
    out.flush()
    del out
    tmp.rename(path)
    return np.load(path, mmap_mode="r")


def exact_truth(vectors: np.ndarray, queries: np.ndarray, k: int, *, cache: Path) -> tuple[list[set[int]], ExactIndex]:
    """Exact top-k ids of every query (cached: at 1M it takes minutes on one core), and the exact index."""
    exact = ExactIndex(np.arange(len(vectors)), vectors)
    if cache.exists():
        top = np.load(cache)
    else:
        top = np.array([[i for i, _ in r] for r in exact.query_batch(queries, k)], dtype=np.int64)
        np.save(cache, top)
    return [set(row.tolist()) for row in top], exact


def timed_queries(index, queries: np.ndarray, k: int, **kw) -> tuple[list[float], list[list[int]]]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        res = index.query(q, k, **kw)
        times.append((time.perf_counter() - t) * 1000)
        found.append([i for i, _ in res])
    return times, found


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(values, p))


def row(*cells) -> None:
    print(" | ".join(str(c) for c in cells), flush=True)


def _product_encoder_and_texts(items: list) -> tuple[object, list[str]]:
    """The encoder the product's settings configure and the text its importer embeds for each items.csv row.

    Goes through Django's settings (ML_IMAGE_INPUT_SIZE etc.) and the importer's own helpers, so the cached vectors
    carry the same model version and text as the ones the web app's workers store for the same items.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")
    import django

    django.setup()
    from ml.encoders import item_text
    from recommender.services.inventory import brand_from_name
    from wardrobe import taxonomy
    from wardrobe.embedding import get_encoder

    categories, colours = dict(taxonomy.CATEGORY_CHOICES), dict(taxonomy.COLOUR_CHOICES)
    texts = []
    for i in items:
        category = taxonomy.category_for(i.master_category, i.sub_category, i.article_type)
        colour = taxonomy.colour_for(i.base_colour)
        texts.append(item_text(name=i.name[:200], brand=brand_from_name(i.name),
                               category=categories.get(category, category), colour=colours.get(colour, colour)))
    return get_encoder(), texts


def embed_real(data: Path, out: Path, *, chunk: int = 512) -> None:
    """Embed every item of the dataset with the product's item encoder and cache the matrix, ids alongside.

    Rows follow items.csv order; a row whose photo cannot be read is left out (its id is listed in
    ``<out>-skipped.txt``), so ``<stem>-ids.npy`` (the items.csv ``id`` of each row) is the key to the rows.
    Resumable: each chunk is saved under ``<out>.parts/`` as it finishes, so an interrupted run picks up where it
    stopped; the matrix is written once every chunk is there.
    """
    from ml.data import iter_styles

    items = [i for i in iter_styles(data / "items.csv") if i.id]
    encoder, texts = _product_encoder_and_texts(items)
    parts = out.with_name(out.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    version_file = parts / "version.txt"
    if version_file.exists() and version_file.read_text() != encoder.version:
        raise SystemExit(f"{parts} holds vectors of {version_file.read_text()}, not {encoder.version}: remove it")
    version_file.write_text(encoder.version)
    print(f"embedding {len(items)} items with {encoder.version}", file=sys.stderr, flush=True)
    for start in range(0, len(items), chunk):
        part = parts / f"{start:06d}.npy"
        if part.exists():
            continue
        batch = items[start : start + chunk]
        vectors, errors = encoder.embed_with_errors([i.image_path(data) for i in batch], texts[start : start + chunk])
        ok = np.ones(len(batch), dtype=bool)
        ok[list(errors)] = False
        np.save(part.with_name(f"{start:06d}-ok.npy"), ok)
        np.save(part.with_suffix(".tmp.npy"), vectors.astype(np.float32))
        part.with_suffix(".tmp.npy").rename(part)
        print(f"embedded {start + len(batch)}/{len(items)} ({len(errors)} unreadable)", file=sys.stderr, flush=True)
    starts = range(0, len(items), chunk)
    ok = np.concatenate([np.load(parts / f"{s:06d}-ok.npy") for s in starts])
    matrix = np.concatenate([np.load(parts / f"{s:06d}.npy") for s in starts])[ok]
    ids = np.array([int(i.id) for i in items], dtype=np.int64)
    np.save(out.with_name(out.stem + "-ids.npy"), ids[ok])
    out.with_name(out.stem + "-skipped.txt").write_text("".join(f"{i}\n" for i in ids[~ok]))
    out.with_name(out.stem + "-version.txt").write_text(encoder.version + "\n")
    np.save(out.with_suffix(".tmp.npy"), matrix)
    out.with_suffix(".tmp.npy").rename(out)
    print(f"wrote {out}: {matrix.shape} {matrix.dtype}; {int((~ok).sum())} unreadable photos left out", file=sys.stderr)


def load_base(path: Path, *, seed: int) -> tuple[np.ndarray, str]:
    """The cached real matrix; else the real chunks embedded so far; else a synthetic stand-in."""
    if path.exists():
        return normalise(np.load(path)), f"real embeddings ({path})"
    parts = sorted(path.with_name(path.name + ".parts").glob("[0-9][0-9][0-9][0-9][0-9][0-9].npy"))
    if parts:
        base = normalise(np.concatenate([np.load(p) for p in parts]))
        return base, f"real embeddings, first {len(base)} items only (embedding unfinished)"
    return synthetic_base(REAL_N, DIM, seed=seed), "synthetic base (no cached embeddings)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=f"{REAL_N},200000,1000000")
    ap.add_argument("--pca", default="0,64,128", help="PCA dims to try; 0 = none")
    ap.add_argument("--trees", default="10,20,50")
    ap.add_argument("--search-k", default="1000,3000,10000,30000")
    ap.add_argument("--overfetch", default="1,4,10")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--exact-queries", type=int, default=30)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--noise", type=float, default=0.3, help="norm of the noise added around a base vector")
    ap.add_argument("--embeddings", type=Path, default=Path("var/bench/item-embeddings.npy"))
    ap.add_argument("--embed", action="store_true", help="embed --data with ml.encoders into --embeddings first")
    ap.add_argument("--data", type=Path, default=Path("../shared/datasets/fashion-products"))
    ap.add_argument("--work", type=Path, default=Path("var/bench/ann"))
    ap.add_argument("--build-jobs", type=int, default=2)
    ap.add_argument("--max-trees-at", default="1000000:20",
                    help="N:T caps n_trees at sizes >= N, where full-dimension builds use the smallest n_trees only")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    if args.embed:
        embed_real(args.data, args.embeddings)
        if args.sizes == "0":
            return
    base, source = load_base(args.embeddings, seed=args.seed)
    args.work.mkdir(parents=True, exist_ok=True)
    cap_n, cap_t = (int(v) for v in args.max_trees_at.split(":"))
    k = args.k
    print(f"# base: {source}, {base.shape[0]} x {base.shape[1]}; noise {args.noise}; k={k}; "
          f"{args.queries} queries; build n_jobs={args.build_jobs}; load avg {os.getloadavg()[0]:.2f}")
    row("N", "index", "n_trees", "build s", "annoy MB", "vectors MB", "search_k", "overfetch",
        "p50 ms", "p99 ms", "recall@10")
    row(*["---"] * 11)
    for n in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(args.seed + 1)
        vectors = make_data(base, n, noise=args.noise, seed=args.seed, work=args.work)
        queries = around(base, args.queries, noise=args.noise, rng=rng)
        cache = args.work / f"truth-{n}-from-{len(base)}-{args.noise}-{args.seed}-q{args.queries}-k{k}.npy"
        truth, exact = exact_truth(vectors, queries, k, cache=cache)
        n_exact = args.exact_queries if n < cap_n else min(args.exact_queries, 5)  # ~10 s per query at 1M
        if n_exact:
            times, _ = timed_queries(exact, queries[:n_exact], k)
            row(n, "exact (numpy)", "", "", "", f"{vectors.nbytes / 2**20:.0f}", "", "",
                f"{pct(times, 50):.1f}", f"{pct(times, 99):.1f}", "1.000")
        del exact
        for pca in (int(p) for p in args.pca.split(",")):
            tree_options = [int(t) for t in args.trees.split(",")]
            for trees in tree_options:
                if n >= cap_n and (trees > cap_t or (pca == 0 and trees > min(tree_options))):
                    continue  # full-dimension builds at 1M take minutes each: only the smallest forest
                folder = args.work / f"index-{n}-{pca}-{trees}"
                shutil.rmtree(folder, ignore_errors=True)
                t0 = time.perf_counter()
                index = AnnoyVectorIndex.build(
                    folder, np.arange(n), vectors, model_version="bench", n_trees=trees,
                    pca_dims=pca or None, n_jobs=args.build_jobs, seed=args.seed,
                )
                build_s = time.perf_counter() - t0
                annoy_mb = (folder / "index.ann").stat().st_size / 2**20
                vec_mb = (folder / "vectors.npy").stat().st_size / 2**20
                timed_queries(index, queries[:20], k)  # warm the page cache
                for search_k in (int(s) for s in args.search_k.split(",")):
                    for overfetch in (int(o) for o in args.overfetch.split(",")):
                        index.overfetch = overfetch
                        times, found = timed_queries(index, queries, k, search_k=search_k)
                        recall = statistics.mean(len(set(f) & t) / k for f, t in zip(found, truth))
                        row(n, f"annoy pca={pca or 'none'}", trees, f"{build_s:.1f}", f"{annoy_mb:.0f}",
                            f"{vec_mb:.0f}", search_k, overfetch, f"{pct(times, 50):.2f}", f"{pct(times, 99):.2f}",
                            f"{recall:.3f}")
                del index
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
