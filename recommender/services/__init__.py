"""Writes of the recommender: inventory import, embedding jobs, the index lifecycle.

Views, admin actions, tasks and commands call these names; the submodules hold the code.
"""
from recommender.services.embedding import (
    EmbedResult,
    UpgradePass,
    embed_items,
    items_gave_up,
    queue_items,
    queue_pending_items,
    reembed_items,
    requeue_outdated_embeddings,
    requeue_outdated_items,
    requeue_stale_items,
)
from recommender.services.imports import import_job_create, import_job_run
from recommender.services.index import (
    IndexBuildError,
    index_is_stale,
    prune_index_versions,
    read_vectors,
    rebuild_index,
    single_flight,
)
from recommender.services.inventory import (
    BadRow,
    ImportFormatError,
    ImportReport,
    brand_from_name,
    demo_price,
    demo_sizes,
    import_inventory,
    set_active,
)

__all__ = [
    "BadRow", "EmbedResult", "ImportFormatError", "ImportReport", "IndexBuildError", "brand_from_name", "demo_price",
    "demo_sizes", "embed_items", "import_inventory", "import_job_create", "import_job_run", "index_is_stale",
    "items_gave_up", "prune_index_versions", "queue_items", "queue_pending_items", "read_vectors", "rebuild_index",
    "reembed_items", "requeue_outdated_embeddings", "requeue_outdated_items", "requeue_stale_items", "set_active",
    "single_flight", "UpgradePass",
]
