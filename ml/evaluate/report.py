"""The report: the markdown table of a run (configurations as columns) and the spread over several seeds."""
from __future__ import annotations

from collections.abc import Sequence

from ml import metrics
from ml.evaluate.moodboard import BOARD_SHARES, POOLED, key as board_key


TABLE_COLUMNS = [
    ("find_similar", "p10_articletype", "FS P@10 type"),
    ("find_similar", "p10_articletype_colour", "FS P@10 type+colour"),
    ("find_similar", "map10_articletype", "FS mAP@10"),
    ("find_similar", "other_gender", "FS other gender"),
    ("find_similar_home", "p10_articletype", "FS home P@10 type"),
    ("find_similar_home", "p10_articletype_colour", "FS home P@10 type+colour"),
    ("find_similar_home", "other_gender", "FS home other gender"),
    ("find_similar_home", "self_top12", "FS home own product in top 12"),
    ("wardrobe_photo_only", "persona_precision", "WP persona"),
    ("wardrobe_photo_only", "palette_precision", "WP palette"),
    ("wardrobe_photo_only", "gender_violations", "WP gender viol."),
    ("wardrobe_photo_only", "heldout_recall20", "WP recall@20"),
    ("wardrobe_photo_only", "distinct_articletypes", "WP types"),
    ("wardrobe_photo_only", "refresh_overlap", "WP refresh overlap"),
    ("wardrobe_photo_only", "category_coverage", "WP subCategory coverage"),
    ("wardrobe_photo_only", "max_credit_share", "WP max credit share"),
    ("wardrobe_photo_only_home", "persona_precision", "WP home persona"),
    ("wardrobe_photo_only_home", "palette_precision", "WP home palette"),
    ("wardrobe_photo_only_home", "gender_violations", "WP home gender viol."),
    ("wardrobe_photo_only_home", "heldout_recall20", "WP home recall@20"),
    ("wardrobe_photo_only_home", "gender_unread", "WP home gender unread"),
    ("wardrobe_named", "persona_precision", "WN persona"),
    ("wardrobe_named", "palette_precision", "WN palette"),
    ("wardrobe_named", "gender_violations", "WN gender viol."),
    ("wardrobe_named", "heldout_recall20", "WN recall@20"),
    ("wardrobe_named", "refresh_overlap", "WN refresh overlap"),
    ("wardrobe_named", "category_coverage", "WN subCategory coverage"),
    ("style_this", "other_gender", "ST other gender"),
    ("style_this", "own_category", "ST own category"),
    ("style_this", "owned_duplicates", "ST owned near-copies"),
    ("style_this", "occasion_agreement", "ST occasion agreement"),
    ("style_this", "palette_agreement", "ST palette agreement"),
    ("style_this", "closet_filled", "ST closet part filled (3+ cat.)"),
    ("style_this", "closet_filled_all", "ST closet part filled (all)"),
    ("autotag", "articletype_top1", "tag type top-1"),
    ("autotag", "colour_top1", "tag colour top-1"),
    ("autotag", "site_category_top1", "tag category top-1"),
    ("autotag_home", "articletype_top1", "tag home type top-1"),
    ("autotag_home", "colour_top1", "tag home colour top-1"),
    ("autotag_home", "site_category_top1", "tag home category top-1"),
    ("cost", "embed_s_per_1000", "embed s/1k"),
    ("cost", "similar_query_ms_p50", "FS ms p50"),
    ("cost", "similar_query_ms_p99", "FS ms p99"),
    ("cost", "recommend_ms_p50", "rec ms p50"),
    ("cost", "recommend_ms_p99", "rec ms p99"),
    ("cost", "closet_ms", "closet ms"),
]


def format_cell(value: float | dict[str, float] | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return f"{value['mean']:.3f} ± {value['std']:.3f}"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"


def markdown_table(configs: dict) -> str:
    """Configurations as columns, metrics as rows (20 metrics do not fit across a page)."""
    names = list(configs)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for section, key, label in TABLE_COLUMNS:
        cells = [format_cell(configs[n].get(section, {}).get(key)) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def aggregate(runs: Sequence[dict]) -> dict:
    """Per config and metric: mean, std, min, max over the seeds' runs."""
    out: dict = {}
    for name in runs[0]["configs"]:
        out[name] = {}
        for section, values in runs[0]["configs"][name].items():
            if not isinstance(values, dict):
                continue
            out[name][section] = {}
            for key in values:
                series = [r["configs"][name][section][key] for r in runs]
                if all(isinstance(v, (int, float)) for v in series):
                    out[name][section][key] = metrics.spread([float(v) for v in series])
    return out


BOARD_TABLE_ROWS = [
    ("board_palette", "board palette"),
    ("closet_palette", "closet palette"),
    ("board_part", "board part: board palette + persona"),
    ("persona", "persona"),
    ("gender_violations", "gender viol."),
    ("board_recall", "board recall@20"),
    ("closet_recall", "closet recall@20"),
]


def board_table(section: dict, *, shares: Sequence[float] = BOARD_SHARES) -> str:
    """The mood-board task of one configuration: slider positions (and the pooled blend) as columns."""
    columns: list[float | str] = [*shares, POOLED]
    lines = ["| metric | " + " | ".join(f"share {c}" if not isinstance(c, str) else c for c in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for metric, label in BOARD_TABLE_ROWS:
        lines.append(f"| {label} | " + " | ".join(format_cell(section.get(board_key(metric, c))) for c in columns)
                     + " |")
    return "\n".join(lines)


def board_tables(configs: dict) -> str:
    """A mood-board table per configuration that has the task, each under its name ("" when none has)."""
    return "".join(f"\n\nmood board, {name}\n\n" + board_table(row["mood_board"])
                   for name, row in configs.items() if row.get("mood_board"))
