"""Whose closet is it? A linear gender probe over item vectors, and a closet-level call from all its photos.

One photo rarely says whose it is (a running shoe, a watch); ten photos together usually do. ``train_probe`` fits a
multinomial logistic regression (softmax over Men, Women, Boys, Girls, Unisex, ...) on labelled inventory vectors.
It is trained with class-balanced weights, so its probabilities are likelihoods under equal priors and the
evidence of several photos adds up as a sum of log-probabilities (naive Bayes over the photos).

``closet_gender`` weighs hypotheses about the closet as a whole, each an admitted set of genders for the
recommender's filter:

- one gender (``{"Women", "Unisex"}``): every photo is that gender's or unisex;
- one side (``{"Women", "Girls", "Unisex"}``): the photos are female but it is unclear whether adult or kids';
- anything (no filter): the photos are a mix (a shared closet), or say nothing.

It returns the set of the most likely hypothesis. The evaluation (ml/evaluate.py) and the product
(recommender/closet_traits.py) share it. Pure numpy (plus scipy's L-BFGS); no Django.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

UNISEX = "Unisex"
SIDES: Mapping[str, tuple[str, ...]] = {"female": ("Women", "Girls"), "male": ("Men", "Boys")}


@dataclass(frozen=True)
class GenderProbe:
    """Softmax regression ``x -> p(class)`` on standardised features (``(x - mean) / scale``)."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (dim, n_classes)
    bias: np.ndarray  # (n_classes,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def logits(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        if x.shape[1] != self.dim:
            raise ValueError(f"probe expects {self.dim}-d vectors, got {x.shape[1]}")
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def log_proba(self, x: np.ndarray) -> np.ndarray:
        """(n, n_classes) log-probabilities, columns in ``classes`` order."""
        z = self.logits(x)
        return z - _logsumexp(z)

    def predict(self, x: np.ndarray) -> list[str]:
        return [self.classes[j] for j in self.logits(x).argmax(axis=1)]


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=1, keepdims=True)
    return top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))


def train_probe(
    x: np.ndarray,
    labels: Sequence[str],
    *,
    l2: float = 1e-2,
    max_per_class: int | None = 4000,
    min_per_class: int = 2,
    max_iter: int = 300,
    seed: int = 0,
) -> GenderProbe:
    """Fit the probe on vectors ``x`` (n, dim) and their gender labels (blank labels are skipped).

    Classes with fewer than ``min_per_class`` examples are left out. At most ``max_per_class`` examples of a class
    are used (a seeded sample: the big classes add little beyond a few thousand and cost time); every class gets the
    same total weight. ``l2`` is the ridge penalty on the weights of the standardised features.
    """
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=np.float32)
    labels = np.asarray([str(v) for v in labels], dtype=object)
    if len(labels) != len(x):
        raise ValueError(f"{len(x)} vectors but {len(labels)} labels")
    counts = Counter(v for v in labels if v)
    classes = tuple(sorted(c for c, n in counts.items() if n >= min_per_class))
    if len(classes) < 2:
        raise ValueError(f"need at least two genders with {min_per_class} examples each, got {dict(counts)}")
    rng = np.random.default_rng(seed)
    rows, target = [], []
    for j, c in enumerate(classes):
        members = np.flatnonzero(labels == c)
        if max_per_class is not None and len(members) > max_per_class:
            members = np.sort(rng.choice(members, size=max_per_class, replace=False))
        rows.append(members)
        target.append(np.full(len(members), j))
    rows_all, y = np.concatenate(rows), np.concatenate(target)
    sample = x[rows_all]
    mean = sample.mean(axis=0)
    scale = sample.std(axis=0) + 1e-6
    z = ((sample - mean) / scale).astype(np.float64)
    n, dim = z.shape
    k = len(classes)
    class_n = np.bincount(y, minlength=k).astype(np.float64)
    w_row = (n / (k * class_n))[y] / n  # balanced classes; the weights sum to 1
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0

    def loss_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = theta[: dim * k].reshape(dim, k), theta[dim * k :]
        logits = z @ weights + bias
        logp = logits - _logsumexp(logits)
        loss = -float((w_row * (logp * onehot).sum(axis=1)).sum()) + 0.5 * l2 * float((weights**2).sum())
        delta = (np.exp(logp) - onehot) * w_row[:, None]
        grad_w = z.T @ delta + l2 * weights
        return loss, np.concatenate([grad_w.ravel(), delta.sum(axis=0)])

    fit = minimize(loss_grad, np.zeros(dim * k + k), jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    theta = fit.x
    return GenderProbe(
        classes=classes,
        weights=theta[: dim * k].reshape(dim, k).astype(np.float32),
        bias=theta[dim * k :].astype(np.float32),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
    )


@dataclass(frozen=True)
class ClosetGender:
    """The closet-level call: ``genders`` is what a gender filter should admit (None: no filter), ``hypothesis``
    names it ("Women", "female", "any"), ``posterior`` holds every hypothesis's probability."""

    genders: frozenset[str] | None
    hypothesis: str
    posterior: Mapping[str, float]


def closet_gender(probe: GenderProbe, vectors: np.ndarray) -> ClosetGender:
    """The most likely hypothesis about whose garments ``vectors`` (one row per photo) are; see the module doc.

    Each hypothesis's per-photo likelihood is the mean probe probability of the genders it admits (Unisex included):
    a specific hypothesis wins when the photos are sure, a side when they are sure of the side only, and "any"
    (every class, the probe's uniform 1/n) when the photos disagree: a closet with five dresses and five men's
    shirts gets no filter rather than the wrong one.
    """
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if not len(vectors):
        return ClosetGender(genders=None, hypothesis="any", posterior={"any": 1.0})
    p = np.exp(probe.log_proba(vectors))
    column = {c: j for j, c in enumerate(probe.classes)}
    hypotheses: dict[str, tuple[str, ...]] = {}
    for name, members in SIDES.items():
        present = tuple(g for g in members if g in column)
        for g in present:
            hypotheses[g] = (g,)
        if len(present) > 1:
            hypotheses[name] = present
    scores: dict[str, float] = {}
    admitted: dict[str, frozenset[str] | None] = {}
    unisex = [column[UNISEX]] if UNISEX in column else []
    for name, genders in hypotheses.items():
        cols = [column[g] for g in genders] + unisex
        scores[name] = float(np.log(p[:, cols].mean(axis=1) + 1e-12).sum())
        admitted[name] = frozenset(genders) | ({UNISEX} if unisex else frozenset())
    scores["any"] = len(vectors) * math.log(1.0 / len(probe.classes))
    admitted["any"] = None
    top = max(scores.values())
    total = sum(math.exp(s - top) for s in scores.values())
    posterior = {name: math.exp(s - top) / total for name, s in sorted(scores.items(), key=lambda kv: -kv[1])}
    best = next(iter(posterior))
    return ClosetGender(genders=admitted[best], hypothesis=best, posterior=posterior)
