"""``ours``: the product's own code path run over the evaluation's items.

The item vectors are blended, split and completed with borrowed text by ``ml.vectors.VectorLayout`` (what
``ml.encoders.ItemEncoder`` and the site use), searched by ``ml.index.ExactIndex`` and ranked by ``ml.ranking``; the
closet's gender comes from ``ml.gender`` over the image block of the closet's vectors, as recommender.closet_traits
reads it. Nothing here re-implements that maths, so the numbers measure the product, not a copy of it.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ml.autotag import Suggestion, consensus, suggest_tags
from ml.evaluate.data import AUTOTAG_NEIGHBOURS, Board, Dataset, Wardrobe
from ml.evaluate.methods import Method, top_k
from ml.ranking import PHOTO_IMAGE_LEAD
from ml.vectors import VectorLayout, borrowed_text, unit_rows
from ml.weights import FINE_TUNED_WEIGHTS
from wardrobe import taxonomy

if TYPE_CHECKING:
    from ml.gender import GenderProbe
    from ml.ranking import ItemTable, Profile

GENDER_MIN_SHARE = 0.5  # of the non-Unisex votes of a closet's photos, for the gender filter
USAGE_MIN_SHARE = 0.5
SIMILAR_DUPLICATE = 0.99  # ml.ranking.similar_to's default duplicate_threshold


@dataclass
class OursSettings:
    """The knobs of ``ours``; the defaults are what docs/evaluation.md concluded."""

    input_size: int = 96
    pooling: str = "avg"
    weights: str | None = str(FINE_TUNED_WEIGHTS)  # the image trunk's checkpoint, the site's default (None: the
    # backbone's ImageNet weights, ``ours-imagenet``)
    image_weight: float = 0.7
    sigma: float = 0.3
    mmr_lambda: float = 0.7
    max_clusters: int = 5
    exploration: float = 0.1
    impute_neighbours: int = 10
    tag_filter: bool = True
    usage_filter: bool = False  # the closet's usage (auto-tag consensus) filters too: the product filters on the
    # occasions a user states, not on guessed ones
    gender_rule: str = "probe"  # "probe": ml.gender over the closet's vectors; "vote": auto-tag votes (before)
    probe_features: str = "image"  # "image": the image block of the vectors; "item": the whole blended vectors
    stated_preferences: bool = False  # the person stated whom they shop for and the occasion (For you's defaults)
    centroid_slots: bool = True  # each centroid gets its share of the list (ml.ranking.slot_quotas)
    category_groups: bool = True  # a centroid per category group of the closet (subCategory: the named closet's
    # own labels, a photo-only closet's auto-tag votes), as For you groups a closet by its garments' categories
    image_first: int = PHOTO_IMAGE_LEAD  # find similar for a photo: this many of its nearest items by the image alone
    # lead the list ("where do I buy this?": the photo's own product), then the imputed-text ranking, as
    # ml.ranking.similar_to_photo does on the site
    complete_closet: bool = True  # the list ends with For you's "Complete your closet" group (ml.ranking
    # complete_slots cards of the lacking_categories of the closet's site categories), as the page shows it


class OursMethod(Method):
    """The project's pipeline: ``ml.ranking.recommend`` and ``ml.ranking.similar_to`` over an exact index of
    item vectors blended by ``ml.vectors.VectorLayout`` (unit blocks, sqrt(w) and sqrt(1 - w)), as the site does.

    A photo without a name borrows the text of its visual neighbours (``ml.vectors.borrowed_text`` of the
    ``impute_neighbours`` nearest images, as the site's find-similar does); the closet's gender
    (``ml.gender.closet_gender`` over a probe trained on the image blocks of the items no query or wardrobe of the
    run uses) filters the pool, as recommender.closet_traits does on the site. ``usage_filter`` adds the usage the
    closet's auto-tags agree on (``ml.autotag.consensus``; not on the site: ml.ranking has no usage field).
    """

    name = "ours"

    def __init__(self, image: np.ndarray, text: np.ndarray, data: Dataset, settings: OursSettings) -> None:
        from ml.index import ExactIndex

        self.s = settings
        self.data = data
        self.image = image
        self.text = text
        # The block sizes are those of the vectors the features hand over (the encoders' own dims).
        self.layout = VectorLayout(image.shape[1], text.shape[1], settings.image_weight)
        self.x = self.combine(image, text)
        self.index = ExactIndex(np.arange(len(self.x)), self.x, model_version="eval")
        # (items, named, home photos) -> the closet's vectors, tags and profile
        self._closets: dict[tuple[tuple[int, ...], bool, bool], tuple[np.ndarray, dict[str, Any], Profile]] = {}
        self._table: ItemTable | None = None
        self._boards: dict[tuple[Any, ...], tuple[np.ndarray, Profile, list[str]]] = {}
        # wardrobe.taxonomy's reading of each item (plain Python, the one owner of that vocabulary), for Style this.
        self.site_category = data.site_category
        self.site_colour = np.array([taxonomy.colour_for(i.base_colour) for i in data.items], dtype=object)
        self._site_table: ItemTable | None = None
        self.probe: GenderProbe | None = None
        self.probe_s = 0.0
        self.closets_s = 0.0
        self.n_closets = 0

    def prepare(self, *, evaluation_items: np.ndarray, wardrobes: Sequence[Wardrobe] = ()) -> None:
        if self.s.tag_filter and self.s.gender_rule == "probe":
            from ml.gender import train_probe

            started = time.perf_counter()
            train = np.setdiff1d(np.arange(len(self.x)), evaluation_items)
            self.probe = train_probe(self.probe_input(self.x[train]), list(self.data.gender[train]))
            self.probe_s = time.perf_counter() - started
        started = time.perf_counter()
        self._prepare_closets(wardrobes)
        self.closets_s = time.perf_counter() - started
        self.n_closets = 2 * len(wardrobes)

    def _prepare_closets(self, wardrobes: Sequence[Wardrobe]) -> None:
        """Every closet's vectors (named and photo-only), filter tags and profile, in batches: the same answers as
        one closet at a time (``_closet``), without reading the whole matrix once per closet."""
        from ml.ranking import build_profile

        if not wardrobes:
            return
        rows = np.concatenate([np.asarray(w.items, dtype=np.int64) for w in wardrobes])
        owner = np.repeat(np.arange(len(wardrobes)), [len(w.items) for w in wardrobes])
        groups = [np.asarray(w.items, dtype=np.int64) for w in wardrobes]
        photo = self.photo_vectors(rows, exclude_groups=[groups[o] for o in owner])
        for named, vectors in ((True, self.x[rows]), (False, photo)):
            tags = self._batch_tags(vectors, rows, [groups[o] for o in owner], owner, len(wardrobes))
            for j, w in enumerate(wardrobes):
                v = vectors[owner == j]
                profile = build_profile(unit_rows(v), max_clusters=self.s.max_clusters,
                                        groups=self._groups(w.items, named, tags[j]))
                self._closets[(w.items, named, False)] = (v, tags[j], profile)

    def _groups(self, items: Sequence[int], named: bool, tags: dict[str, Any]) -> list[str] | None:
        """Each closet item's category group for the profile: its own subCategory when the closet has names (the
        user chose a category), else the subCategory its auto-tag neighbours vote for; None: no groups."""
        if not self.s.category_groups:
            return None
        if named:
            return [str(self.data.sub_category[i]) for i in items]
        return list(tags["item_groups"])

    def probe_input(self, vectors: np.ndarray) -> np.ndarray:
        """What the gender probe reads of item vectors: their unit image block (recommender.closet_traits'
        probe_input), or the whole vectors for the ``ours-itemprobe`` variant."""
        return self.layout.image_block(vectors) if self.s.probe_features == "image" else vectors

    def combine(self, image: np.ndarray, text: np.ndarray) -> np.ndarray:
        """Unit item vectors from unit image and text blocks, blended as ``ItemEncoder`` does."""
        return self.layout.blend(image, text)

    def photo_vectors(self, photos: Sequence[int] | np.ndarray | None = None, *, images: np.ndarray | None = None,
                      exclude: Sequence[int] = (),
                      exclude_groups: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """Item vectors for photos with no name: text imputed from the nearest other images, never from
        ``exclude`` (or, per row, ``exclude_groups[i]``: the rest of that photo's closet). ``photos``: the items
        (positions) whose catalogue photos these are, never their own text donors; ``images``: the photos' unit
        image vectors when they are not the catalogue's (home photos), where ``photos`` may be None (a photo of
        no item the method should avoid, as on the site)."""
        rows = None if photos is None else np.asarray(photos, dtype=np.int64)
        img = self.image[rows] if images is None else np.asarray(images, dtype=np.float32)
        if self.s.impute_neighbours <= 0 or self.s.image_weight >= 1:
            return self.layout.photo_only(img)
        out = np.empty((len(img), self.x.shape[1]), dtype=np.float32)
        for start in range(0, len(img), self.chunk):
            part = img[start : start + self.chunk]
            scores = part @ self.image.T
            if rows is not None:
                scores[np.arange(len(part)), rows[start : start + len(part)]] = -np.inf
            if len(exclude):
                scores[:, np.asarray(exclude)] = -np.inf
            if exclude_groups is not None:
                for i, group in enumerate(exclude_groups[start : start + len(part)]):
                    scores[i, group] = -np.inf
            near = top_k(scores, self.s.impute_neighbours)
            out[start : start + len(part)] = self.combine(part, borrowed_text(self.text[near]))
        return out

    def query_images(self, queries: np.ndarray) -> np.ndarray:
        return self.image[queries]

    def similar_to_vectors(self, images: np.ndarray, *, k: int, rng: np.random.Generator,
                           own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``ml.ranking.similar_to`` per photo (text imputed as for any nameless photo); many go through the index
        in batches, with the same rule (the photo's own item, when ``own`` names one, and exact copies, cosine
        above SIMILAR_DUPLICATE, left out) and similar_to as the fallback; the first ``image_first`` are the nearest
        by the image alone (``ml.ranking.similar_to_photo``'s rule)."""
        from ml.ranking import similar_to
        from ml.ranking.queries import lead_first

        idx = np.zeros((len(images), k), dtype=np.int64)
        dist = np.ones((len(images), k), dtype=np.float32)
        for start in range(0, len(images), self.chunk):
            part = images[start : start + self.chunk]
            rows = None if own is None else np.asarray(own[start : start + len(part)], dtype=np.int64)
            vectors = self.photo_vectors(rows, images=part)
            batch = self.index.query_batch(vectors, k * 3) if len(part) > 1 else [None] * len(part)
            by_image = (self.index.query_batch(self.layout.photo_only(part), self.s.image_first + 2)
                        if self.s.image_first else [[]] * len(part))
            for offset, (vector, neighbours) in enumerate(zip(vectors, batch)):
                source = None if rows is None else int(rows[offset])
                found = [(int(i), d * d / 2.0) for i, d in neighbours or []
                         if int(i) != source and 1.0 - d * d / 2.0 <= SIMILAR_DUPLICATE][:k]
                if len(found) < k:
                    found = [(r.item_id, 1.0 - r.score) for r in similar_to(self.index, vector, source_id=source, k=k)]
                lead = [(int(i), 1.0 - float(vector @ self.x[int(i)])) for i, _ in by_image[offset]
                        if int(i) != source and float(vector @ self.x[int(i)]) <= SIMILAR_DUPLICATE][: self.s.image_first]
                found = lead_first(lead, found, k=k, key=lambda f: f[0])
                idx[start + offset, : len(found)] = [i for i, _ in found]
                dist[start + offset, : len(found)] = [max(0.0, d) for _, d in found]
        return idx, dist

    def closet_tags(self, vectors: np.ndarray, items: Sequence[int]) -> dict[str, Any]:
        """The genders the closet's filter admits (None: any) and the usage most of its garments suggest."""
        rows = np.asarray(items, dtype=np.int64)
        return self._batch_tags(vectors, rows, [rows] * len(rows), np.zeros(len(rows), dtype=np.int64), 1)[0]

    def _batch_tags(self, vectors: np.ndarray, rows: np.ndarray, exclude_groups: Sequence[np.ndarray],
                    owner: np.ndarray, n_closets: int) -> list[dict[str, Any]]:
        """Closet tags of many closets at once: row i of ``vectors`` is photo ``rows[i]`` of closet ``owner[i]``,
        whose auto-tag neighbours leave out ``exclude_groups[i]`` (the closet's own items)."""
        suggestions: list[list[Suggestion]] = [[] for _ in range(n_closets)]
        for start in range(0, len(rows), self.chunk):
            scores = vectors[start : start + self.chunk] @ self.x.T
            for i, group in enumerate(exclude_groups[start : start + self.chunk]):
                scores[i, group] = -np.inf
            near = top_k(scores, AUTOTAG_NEIGHBOURS)
            for i, row in enumerate(near):
                suggestions[owner[start + i]].append(
                    suggest_tags([self.data.labels(j) for j in row], np.maximum(1 - scores[i, row], 0),
                                 fields=("gender", "usage", "sub_category", "site_category")))
        out: list[dict[str, Any]] = []
        for j in range(n_closets):
            item_groups = [s.value("sub_category") for s in suggestions[j]]
            site_categories = [s.value("site_category") for s in suggestions[j]]
            if not self.s.tag_filter:
                out.append({"item_groups": item_groups, "site_categories": site_categories})
                continue
            usage = consensus(suggestions[j], "usage", min_share=USAGE_MIN_SHARE)
            if self.s.gender_rule == "probe":
                if self.probe is None:
                    raise RuntimeError("OursMethod.prepare() trains the gender probe before any recommendation")
                from ml.gender import closet_gender

                mine = owner == j
                call = closet_gender(self.probe, self.probe_input(vectors[mine]))
                out.append({"genders": call.genders, "usage": usage, "call": call.hypothesis,
                            "item_groups": item_groups, "site_categories": site_categories})
            else:
                gender = consensus(suggestions[j], "gender", min_share=GENDER_MIN_SHARE, ignore={"Unisex"})
                out.append({"genders": frozenset({gender, "Unisex"}) if gender else None, "usage": usage,
                            "item_groups": item_groups, "site_categories": site_categories})
        return out

    def closet_calls(self) -> dict[str, dict[str, float]]:
        """Share of the prepared closets per gender call (ml.gender hypotheses: a gender, a side, "unsure",
        "mixed"), named and photo-only: how often the filter plays safe with Unisex only."""
        out: dict[str, dict[str, float]] = {}
        for named, home, label in ((True, False, "named"), (False, False, "photo_only"),
                                   (False, True, "photo_only_home")):
            calls = Counter(tags.get("call", "") for (_, n, h), (_, tags, _) in self._closets.items()
                            if (n, h) == (named, home))
            total = sum(calls.values())
            if total:
                out[label] = {c: v / total for c, v in sorted(calls.items())}
        return out

    def _item_table(self) -> ItemTable:
        """Usage (the occasion column) and gender of every item as ml.ranking.ItemTable columns, built once: the
        filters then cost a few array operations per candidate list, as on the site."""
        from ml.ranking import ItemTable

        if self._table is None:
            n = len(self.data)
            self._table = ItemTable(np.arange(n), categories=list(self.data.sub_category), prices=[None] * n,
                                    sizes=[()] * n, genders=list(self.data.gender), occasions=list(self.data.usage))
        return self._table

    def _closet(self, wardrobe: Wardrobe, named: bool,
                photos: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, Any], Profile]:
        """The closet's vectors, auto-tags and profile: what a site computes once per upload (and caches), not once
        per refresh. ``prepare`` computes them for the run's wardrobes in batches; any other is computed here.
        ``photos``: the photo-only closet's image vectors when they are not the catalogue's (home photos)."""
        from ml.ranking import build_profile

        key = (wardrobe.items, named, photos is not None)
        if key not in self._closets:
            items = list(wardrobe.items)
            vectors = self.x[items] if named else self.photo_vectors(items, images=photos, exclude=items)
            tags = self.closet_tags(vectors, items)
            profile = build_profile(unit_rows(vectors), max_clusters=self.s.max_clusters,
                                    groups=self._groups(items, named, tags))
            self._closets[key] = (vectors, tags, profile)
        return self._closets[key]

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                  photos: np.ndarray | None = None) -> np.ndarray:
        return self.recommend_with_reasons(wardrobe, named=named, k=k, rng=rng, photos=photos)[0]

    def recommend_with_reasons(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                               photos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """The closet's list as For you builds it: the closet's own part, then (``complete_closet``) the "Complete
        your closet" cards, each of a category that pairs with the closet's but that it lacks, drawn first
        (``ml.ranking.complete_closet``, as the site draws them) so the own part never repeats them."""
        from ml.ranking import complete_closet, complete_slots, lacking_categories, recommend

        items = list(wardrobe.items)
        vectors, tags, profile = self._closet(wardrobe, named, photos)
        filters, info = self._filters_and_info(tags, wardrobe=wardrobe)
        complete: list[Any] = []
        lacking = lacking_categories(self._site_categories(wardrobe, named, tags)) if self.s.complete_closet else ()
        if lacking and complete_slots(k):
            complete = complete_closet(self.index, items, vectors, lacking=lacking, k=complete_slots(k),
                                       item_info=self._site_item_table(), filters=filters, rng=rng, sigma=self.s.sigma)
            filters = replace(filters, exclude_ids=filters.exclude_ids | {r.item_id for r in complete})
            info = info if info is not None else self._item_table()
        found = recommend(self.index, items, vectors, k=k - len(complete), item_info=info, filters=filters, rng=rng,
                          profile=profile, **self._ranking_options()) + complete
        return (np.array([r.item_id for r in found], dtype=np.int64),
                np.array([-1 if r.because_owned_id is None else r.because_owned_id for r in found], dtype=np.int64))

    def _site_categories(self, wardrobe: Wardrobe, named: bool, tags: dict[str, Any]) -> list[str]:
        """The closet's garments' site categories as For you reads them: the named closet's own, a photo-only
        closet's auto-tag votes."""
        if named:
            return [str(self.site_category[i]) for i in wardrobe.items]
        return [str(c) for c in tags.get("site_categories", ())]

    def _site_item_table(self) -> ItemTable:
        """Every item's site category (wardrobe.taxonomy), gender and usage: what the site's own table holds, for
        the filters that name site categories (Complete your closet, Style this)."""
        from ml.ranking import ItemTable

        if self._site_table is None:
            n = len(self.data)
            self._site_table = ItemTable(np.arange(n), categories=list(self.site_category), prices=[None] * n,
                                         sizes=[()] * n, genders=list(self.data.gender),
                                         occasions=list(self.data.usage))
        return self._site_table

    def style_this(self, wardrobe: Wardrobe, anchor: int, *, k: int) -> tuple[Any, np.ndarray]:
        """Style this for item ``anchor`` of the named closet ``wardrobe``: the outfit ml.outfits completes from
        the rest of the closet, and the shop items ml.ranking.pairs_for_outfit brings (the closet's gender filter,
        never its own category or beauty and nightwear, never within 0.95 of an owned vector), as the site does."""
        from ml.outfits import Piece, complete_outfit, wanted_slots
        from ml.ranking import COMPLEMENTS, Filters, pairs_for_outfit
        vectors, tags, _ = self._closet(wardrobe, named=True)

        def piece(i: int, vector: np.ndarray) -> Piece:
            category = self.site_category[i]
            season = str(self.data.items[i].season or "").strip().lower()
            return Piece(id=int(i), name=str(i), slot=taxonomy.slot_for(category), colour=self.site_colour[i],
                         season=season if season in taxonomy.SEASONS else "",
                         occasions=frozenset({taxonomy.occasion_for(self.data.usage[i])} - {""}), vector=vector,
                         one_piece=category == taxonomy.DRESSES)

        pieces = [piece(i, v) for i, v in zip(wardrobe.items, vectors)]
        anchor_piece = next(p for p in pieces if p.id == anchor)
        outfit = complete_outfit(anchor_piece, pieces)
        category = self.site_category[anchor]
        not_worn_with = {taxonomy.BEAUTY, taxonomy.NIGHTWEAR}
        wanted = [c for c in COMPLEMENTS.get(category, taxonomy.CATEGORIES) if c != category and c not in not_worn_with]
        owned_slots = {p.slot for p in pieces if p.id != anchor}
        missing = [s for s in wanted_slots(anchor_piece, anchor_piece.season) if s not in owned_slots]
        genders = tags.get("genders") if tags and self.s.tag_filter else None
        recs = pairs_for_outfit(
            self.index, self.x[anchor], category=category, wanted=wanted, item_info=self._site_item_table(),
            owned_vectors=vectors, first=[c for c in wanted if taxonomy.slot_for(c) in missing], k=k,
            filters=Filters(genders=genders, exclude_ids=frozenset(int(i) for i in wardrobe.items)),
        )
        return outfit, np.array([r.item_id for r in recs], dtype=np.int64)

    def _filters_and_info(self, tags: dict[str, Any], exclude: Sequence[int] = (),
                          wardrobe: Wardrobe | None = None) -> tuple[Any, Any]:
        """The closet's filters (gender, and usage when ``usage_filter``) and the item table they read. With
        ``stated_preferences``, the person said whom they shop for and for which occasion (the wardrobe's persona,
        as accounts.preferences holds it): those filter instead of anything read from the photos."""
        from ml.ranking import Filters

        if self.s.stated_preferences and wardrobe is not None:
            genders = {wardrobe.gender, "Unisex"} if wardrobe.gender in ("Men", "Women") else {wardrobe.gender}
            return (Filters(genders=frozenset(genders), occasions=frozenset({wardrobe.usage}),
                            exclude_ids=frozenset(int(i) for i in exclude)), self._item_table())
        if not self.s.tag_filter:
            return Filters(exclude_ids=frozenset(int(i) for i in exclude)), None
        usage = tags["usage"] if self.s.usage_filter else ""
        return (Filters(genders=tags["genders"], occasions=frozenset({usage}) if usage else None,
                        exclude_ids=frozenset(int(i) for i in exclude)), self._item_table())

    def _ranking_options(self) -> dict[str, Any]:
        return {"sigma": self.s.sigma, "mmr_lambda": self.s.mmr_lambda, "max_clusters": self.s.max_clusters,
                "exploration": self.s.exploration, "centroid_slots": self.s.centroid_slots}

    def _board(self, wardrobe: Wardrobe, board: Board) -> tuple[np.ndarray, Profile, list[str]]:
        """The board's photo-only vectors (text borrowed from shop items, never from the closet or the board) and
        profile, as recommender.selectors.for_you builds them for a user's board; and each photo's auto-tagged
        category group (for the pooled blend, where the photos count as garments)."""
        from ml.ranking import build_profile

        cache_key = ("board", wardrobe.items, board.items)
        if cache_key not in self._boards:
            exclude = np.asarray(list(board.items) + list(wardrobe.items), dtype=np.int64)
            vectors = self.photo_vectors(board.items, exclude=exclude.tolist())
            rows = np.asarray(board.items, dtype=np.int64)
            tags = self._batch_tags(vectors, rows, [exclude] * len(rows), np.zeros(len(rows), dtype=np.int64), 1)
            self._boards[cache_key] = (vectors, build_profile(unit_rows(vectors)), list(tags[0]["item_groups"]))
        return self._boards[cache_key]

    def recommend_with_board(self, wardrobe: Wardrobe, board: Board, *, share: float, k: int,
                             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The photo-only closet's part and the board's part of ``ml.ranking.recommend_with_board`` at ``share``,
        under the closet's filters; neither part shows a photo of the closet or of the board."""
        from ml.ranking import recommend_with_board

        vectors, tags, profile = self._closet(wardrobe, named=False)
        board_vectors, board_profile, _ = self._board(wardrobe, board)
        filters, info = self._filters_and_info(tags, exclude=board.items + wardrobe.items, wardrobe=wardrobe)
        blended = recommend_with_board(self.index, list(wardrobe.items), vectors, list(board.items), board_vectors,
                                       k=k, share=share, filters=filters, item_info=info, profile=profile,
                                       board_profile=board_profile, rng=rng, **self._ranking_options())
        return (np.array([r.item_id for r in blended.closet], dtype=np.int64),
                np.array([r.item_id for r in blended.board], dtype=np.int64))

    def recommend_pooled(self, wardrobe: Wardrobe, board: Board, *, k: int, rng: np.random.Generator) -> np.ndarray:
        """The naive blend the board task compares with: the board's photos added to the closet as garments."""
        from ml.ranking import build_profile, recommend

        vectors, tags, _ = self._closet(wardrobe, named=False)
        board_vectors, _, board_groups = self._board(wardrobe, board)
        pooled = np.concatenate([vectors, board_vectors])
        closet_groups: list[str] = list((tags or self.closet_tags(vectors, wardrobe.items)).get("item_groups") or [])
        groups = closet_groups + board_groups if self.s.category_groups else None
        filters, info = self._filters_and_info(tags, exclude=board.items, wardrobe=wardrobe)
        profile = build_profile(unit_rows(pooled), max_clusters=self.s.max_clusters, groups=groups)
        found = recommend(self.index, list(wardrobe.items) + list(board.items), pooled, k=k, filters=filters,
                          item_info=info, rng=rng, profile=profile, **self._ranking_options())
        return np.array([r.item_id for r in found], dtype=np.int64)
