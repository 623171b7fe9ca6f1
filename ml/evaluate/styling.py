"""The Style this task: for garments of the run's named closets, the outfit ``ml.outfits.complete_outfit`` builds
from the rest of the closet and the shop items ``ml.ranking.pairs_for_outfit`` brings under the closet's gender
filter, as recommender.selectors.pairings_for does on the site (``OursMethod.style_this``).

Each wardrobe's first ``anchors`` items (its distinct article types first) are styled. The items' site categories,
colours, seasons and occasions come from ``wardrobe.taxonomy`` (plain Python, the one owner of that vocabulary).
Scored over the shop items (``K_STYLE`` per garment): the share made only for the other gender, of the garment's own
category, within 0.95 cosine of something the closet owns, of the closet's occasion, and in a colour that goes with
the garment (``ml.outfits.palette_harmony`` >= 0.75); and over the garments: the share whose closet part holds at
least one other piece, for closets spanning three or more site categories (``closet_filled``) and for all.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ml import metrics
from ml.evaluate.data import Dataset, Wardrobe
from ml.evaluate.ours import OursMethod
from ml.outfits import palette_harmony

K_STYLE = 12
HARMONY = 0.75  # palette_harmony of complementary or analogous colours and of anything with a neutral


def score_style_this(data: Dataset, method: OursMethod, wardrobes: Sequence[Wardrobe], *,
                     anchors: int = 3) -> dict[str, float | None]:
    """The section ``style_this`` of a configuration (see the module doc)."""
    rows: dict[str, list[float]] = {k: [] for k in ("other_gender", "own_category", "owned_duplicates",
                                                    "occasion_agreement", "palette_agreement", "closet_filled",
                                                    "closet_filled_all", "shop_filled")}
    for w in wardrobes:
        wide = len({method.site_category[i] for i in w.items}) >= 3
        for anchor in w.items[:anchors]:
            outfit, shop = method.style_this(w, anchor, k=K_STYLE)
            filled = float(len([p for p in outfit.picks if p.piece.id != anchor]) > 0)
            rows["closet_filled_all"].append(filled)
            if wide:
                rows["closet_filled"].append(filled)
            rows["shop_filled"].append(float(len(shop) > 0))
            if not len(shop):
                continue
            owned = method.x[list(w.items)]
            near = (method.x[shop] @ owned.T).max(axis=1)
            colour = method.site_colour[anchor]
            rows["other_gender"].append(metrics.share([metrics.gender_violates(data.gender[i], w.gender)
                                                       for i in shop]))
            rows["own_category"].append(metrics.share([method.site_category[i] == method.site_category[anchor]
                                                       for i in shop]))
            rows["owned_duplicates"].append(metrics.share([bool(c > 0.95) for c in near]))
            rows["occasion_agreement"].append(metrics.share([data.usage[i] == w.usage for i in shop]))
            rows["palette_agreement"].append(metrics.share([palette_harmony(colour, method.site_colour[i]) >= HARMONY
                                                            for i in shop]))
    return {k: metrics.mean(v) if v else None for k, v in rows.items()}
