from pathlib import Path

import pytest

from ml.data import iter_styles
from wardrobe import taxonomy
from wardrobe.taxonomy import category_for, colour_for

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"


def test_every_article_type_in_the_dataset_has_an_explicit_category():
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    article_types = {item.article_type.lower() for item in iter_styles(MINI / "items.csv")}
    assert article_types - set(taxonomy.ARTICLE_TYPE_CATEGORY) == set()


def test_every_mapping_target_is_a_user_facing_category():
    targets = {*taxonomy.ARTICLE_TYPE_CATEGORY.values(), *taxonomy.SUB_CATEGORY_CATEGORY.values()}
    assert targets <= taxonomy.CATEGORIES


@pytest.mark.parametrize(
    "triple, expected",
    [
        (("Apparel", "Topwear", "Tshirts"), "tops"),
        (("Apparel", "Bottomwear", "Jeans"), "bottoms"),
        (("Apparel", "Dress", "Dresses"), "dresses"),
        (("Apparel", "Topwear", "Jackets"), "outerwear"),
        (("Footwear", "Shoes", "Sports Shoes"), "shoes"),
        (("Accessories", "Bags", "Handbags"), "bags"),
        (("Accessories", "Watches", "Watches"), "jewellery"),
        (("Personal Care", "Lips", "Lipstick"), "beauty"),
    ],
)
def test_known_article_types_map_to_their_category(triple, expected):
    assert category_for(*triple) == expected


def test_matching_ignores_case_and_surrounding_spaces():
    assert category_for(" apparel ", "TOPWEAR", "  tshirts ") == "tops"


def test_an_unknown_article_type_falls_back_to_its_sub_category():
    assert category_for("Apparel", "Bottomwear", "Culottes") == "bottoms"


def test_an_unknown_sub_category_falls_back_to_the_master_category():
    assert category_for("Footwear", "Boots", "Wellingtons") == "shoes"


def test_something_entirely_unknown_is_other():
    assert category_for("Toys", "Games", "Puzzle") == "other"


def test_a_shirt_filed_under_belts_counts_as_an_accessory():
    assert category_for("Accessories", "Belts", "Tshirts") == "accessories"


def test_base_colours_map_to_the_palette():
    assert colour_for("Navy Blue") == "navy"
    assert colour_for("NA") == ""


def test_every_gender_in_the_dataset_is_one_of_the_vocabularys():
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    assert {item.gender for item in iter_styles(MINI / "items.csv")} - {""} <= set(taxonomy.GENDERS)


def test_every_occasion_in_the_dataset_is_one_of_the_vocabularys():
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    usages = {item.usage for item in iter_styles(MINI / "items.csv")} - {""}
    assert usages and all(taxonomy.occasion_for(usage) in taxonomy.OCCASIONS for usage in usages)


@pytest.mark.parametrize("category", sorted(taxonomy.CATEGORIES))
def test_every_size_the_demo_import_gives_is_one_the_filter_offers(category):
    from recommender.forms import SIZE_CHOICES
    from recommender.services import demo_sizes

    offered = {value for value, _ in SIZE_CHOICES}
    assert set(demo_sizes("42", category)) <= offered <= {"", *taxonomy.SIZES}


def test_the_gender_filter_offers_exactly_the_vocabularys_genders():
    from recommender.forms import GENDER_CHOICES

    assert [value for value, _ in GENDER_CHOICES if value] == list(taxonomy.GENDERS)
