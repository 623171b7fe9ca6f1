"""The metric functions on hand-made rankings whose scores are worked out by hand."""
import pytest

from ml import metrics
from ml.autotag import consensus, suggest_tags


def test_precision_at_k_counts_hits_among_the_first_k():
    assert metrics.precision_at_k([True, False, True, True], k=3) == pytest.approx(2 / 3)


def test_precision_at_k_counts_a_short_list_as_padded_with_misses():
    assert metrics.precision_at_k([True, True], k=10) == pytest.approx(0.2)


def test_precision_rejects_k_below_one():
    with pytest.raises(ValueError, match="k must be"):
        metrics.precision_at_k([True], k=0)


def test_average_precision_rewards_hits_near_the_top():
    # hits at ranks 1 and 3: (1/1 + 2/3) / 2
    assert metrics.average_precision_at_k([True, False, True, False], k=4) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.average_precision_at_k([False, True, False, True], k=4) == pytest.approx((1 / 2 + 2 / 4) / 2)


def test_average_precision_divides_by_the_findable_relevant_items():
    # 5 relevant items exist, k = 4: one hit at rank 1 gives 1/min(4, 5)
    assert metrics.average_precision_at_k([True, False, False, False], k=4, n_relevant=5) == pytest.approx(0.25)


def test_average_precision_is_zero_without_hits():
    assert metrics.average_precision_at_k([False, False], k=2) == 0.0
    assert metrics.average_precision_at_k([False, False], k=2, n_relevant=0) == 0.0


def test_recall_at_k_counts_found_held_out_items():
    assert metrics.recall_at_k(["a", "b", "c", "d"], ["c", "x"], k=3) == pytest.approx(0.5)
    assert metrics.recall_at_k(["a", "b", "c", "d"], ["d"], k=3) == 0.0


def test_jaccard_of_two_refreshes():
    assert metrics.jaccard([1, 2, 3], [2, 3, 4]) == pytest.approx(2 / 4)
    assert metrics.jaccard([1, 2], [1, 2]) == 1.0
    assert metrics.jaccard([1], [2]) == 0.0


def test_share_of_an_empty_list_is_zero():
    assert metrics.share([]) == 0.0
    assert metrics.share([True, False, False, True]) == 0.5


@pytest.mark.parametrize(
    ("item", "wanted", "violates"),
    [("Men", "Women", True), ("Women", "Women", False), ("Unisex", "Men", False), ("Girls", "Men", True),
     ("Boys", "Men", False), ("", "Men", False)],
)
def test_gender_violation_is_an_item_only_for_the_other_gender(item, wanted, violates):
    assert metrics.gender_violates(item, wanted) is violates


def test_gender_matches_the_same_gender_or_unisex():
    assert metrics.gender_matches("Unisex", "Women")
    assert metrics.gender_matches("Women", "Women")
    assert not metrics.gender_matches("Men", "Women")


def test_percentile_interpolates_like_numpy():
    values = [10.0, 20.0, 30.0, 40.0]
    assert metrics.percentile(values, 50) == pytest.approx(25.0)
    assert metrics.percentile(values, 99) == pytest.approx(39.7)
    assert metrics.percentile(values, 0) == 10.0


def test_spread_reports_mean_sample_std_and_range():
    result = metrics.spread([1.0, 2.0, 3.0])
    assert result == pytest.approx({"mean": 2.0, "std": 1.0, "min": 1.0, "max": 3.0})


def test_suggest_tags_weights_votes_by_closeness():
    labels = [{"article_type": "Shirts"}, {"article_type": "Tshirts"}, {"article_type": "Tshirts"}]
    suggestion = suggest_tags(labels, [0.0, 0.5, 0.5])
    # weights 1/0.001 = 1000 against 2 * 1/0.501: the exact duplicate wins
    assert suggestion.value("article_type") == "Shirts"
    assert suggestion.confidence("article_type") == pytest.approx(1000 / (1000 + 2 / 0.501))


def test_suggest_tags_lets_the_majority_win_at_equal_distances():
    labels = [{"base_colour": "Red"}, {"base_colour": "Blue"}, {"base_colour": "Blue"}]
    suggestion = suggest_tags(labels, [0.2, 0.2, 0.2])
    assert suggestion.value("base_colour") == "Blue"
    assert suggestion.confidence("base_colour") == pytest.approx(2 / 3)


def test_suggest_tags_breaks_ties_by_the_closest_voter():
    labels = [{"usage": "Sports"}, {"usage": "Casual"}]
    assert suggest_tags(labels, [0.3, 0.3]).value("usage") == "Sports"


def test_suggest_tags_skips_unknown_labels():
    suggestion = suggest_tags([{"base_colour": ""}, {"base_colour": ""}], [0.1, 0.2], fields=["base_colour"])
    assert suggestion.value("base_colour", "none") == "none"
    assert suggestion.confidence("base_colour") == 0.0


def test_suggest_tags_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 labels but 1 distances"):
        suggest_tags([{"a": "x"}, {"a": "y"}], [0.1])


def test_consensus_names_the_closet_gender_or_nothing_when_mixed():
    women = suggest_tags([{"gender": "Women"}], [0.1])
    men = suggest_tags([{"gender": "Men"}], [0.1])
    assert consensus([women, women, women, men], "gender") == "Women"
    assert consensus([women, men], "gender") == ""


def test_consensus_ignores_votes_that_name_no_one():
    unisex = suggest_tags([{"gender": "Unisex"}], [0.1])
    women = suggest_tags([{"gender": "Women"}], [0.1])
    assert consensus([unisex, unisex, unisex, women], "gender") == "Unisex"
    assert consensus([unisex, unisex, unisex, women], "gender", ignore={"Unisex"}) == "Women"
