"""Offline evaluation of recommendation quality on a styles-format dataset.

``python -m ml.evaluate --data DIR --out var/eval.json`` scores several configurations in one run on three tasks:
find-similar from a photo, recommendations for synthetic wardrobes (named and photo-only), kNN auto-tagging and,
for ``ours``, wardrobes with a mood board at each position of the inspiration slider; and it times them. The
find-similar, auto-tag and photo-only tasks are scored twice: from catalogue photos and from home photos
(``ml.homephotos``, through the product's background removal). Every sample comes from the "evaluation" split. Embeddings are cached under ``--cache`` (default var/embeddings/) keyed by model version and
the checksum of each image (or text), so configurations that share an encoder embed once and a second run embeds
nothing. docs/evaluation.md explains the tasks, the numbers and what we concluded from them.

One module per concern, each importing only the ones before it:

- ``data``: the dataset as label arrays, the sampled queries and synthetic wardrobes, the tasks' list lengths;
- ``features``: image and text embeddings of every item, cached on disk;
- ``methods``: the method interface and the references (random, cosine kNN, the main reference);
- ``ours``: the product's own code path (ml.vectors, ml.ranking, ml.index, ml.gender) over the same items;
- ``moodboard``: the mood-board task (a board per wardrobe, the list at each slider position);
- ``configs``: the named configurations;
- ``scoring``: the metrics of one configuration and a whole run;
- ``report``: the markdown table and the spread over seeds;
- ``cli``: ``python -m ml.evaluate`` (``__main__``).

The names below are the package's public interface (tests and scripts import them from ``ml.evaluate``).
"""
from ml.evaluate.cli import main
from ml.evaluate.configs import DEFAULT_CONFIGS, FINE_TUNED_CONFIGS, ConfigSpec, config_specs
from ml.evaluate.data import (AUTOTAG_NEIGHBOURS, K_HOME_SELF, K_RECOMMEND, K_SIMILAR, Board, Dataset, Wardrobe,
                              load_dataset, personas, sample_queries, sample_wardrobes)
from ml.evaluate.features import EmbeddingCache, ImageSpec, PooledFeatures, file_checksum, text_checksum
from ml.evaluate.methods import ClosetspaceMethod, CosineKnnMethod, Method, RandomMethod
from ml.evaluate.moodboard import BOARD_SHARES, sample_boards, score_boards
from ml.evaluate.ours import GENDER_MIN_SHARE, SIMILAR_DUPLICATE, USAGE_MIN_SHARE, OursMethod, OursSettings
from ml.evaluate.report import TABLE_COLUMNS, aggregate, board_table, markdown_table
from ml.evaluate.scoring import (Samples, draw_samples, evaluate_config, run, score_home_similar, score_similar,
                                 score_wardrobes)
from ml.vectors import unit_rows as normalise_rows  # the name the harness had before ml.vectors owned it

__all__ = [
    "AUTOTAG_NEIGHBOURS", "BOARD_SHARES", "Board", "DEFAULT_CONFIGS", "FINE_TUNED_CONFIGS", "GENDER_MIN_SHARE",
    "K_HOME_SELF", "K_RECOMMEND", "K_SIMILAR", "SIMILAR_DUPLICATE", "TABLE_COLUMNS", "USAGE_MIN_SHARE",
    "ClosetspaceMethod", "ConfigSpec", "CosineKnnMethod", "Dataset", "EmbeddingCache", "ImageSpec", "Method",
    "OursMethod", "OursSettings", "PooledFeatures", "RandomMethod", "Samples", "Wardrobe", "aggregate", "board_table",
    "config_specs", "draw_samples", "evaluate_config", "file_checksum", "load_dataset", "main", "markdown_table",
    "normalise_rows", "personas", "run", "sample_boards", "sample_queries", "sample_wardrobes", "score_boards",
    "score_home_similar", "score_similar", "score_wardrobes", "text_checksum",
]
