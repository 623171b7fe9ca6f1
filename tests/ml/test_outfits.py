"""ml.outfits: the compatibility score and outfit assembly over plain pieces."""
import numpy as np

from ml import outfits
from ml.outfits import Piece, assemble, outfit_score, palette_harmony
from wardrobe import taxonomy


def piece(id, slot, colour="", season="", occasions=(), vector=None, one_piece=False, name=None):
    return Piece(id=id, name=name or f"piece {id}", slot=slot, colour=colour, season=season,
                 occasions=frozenset(occasions), vector=None if vector is None else np.asarray(vector, dtype=np.float32),
                 one_piece=one_piece)


def test_the_scorer_uses_the_taxonomy_slot_names():
    assert set(outfits.SLOT_ORDER) == set(taxonomy.SLOTS)


def test_a_neutral_goes_with_any_colour():
    assert palette_harmony("navy", "orange") == 1.0


def test_analogous_colours_go_together_better_than_clashing_ones():
    assert palette_harmony("red", "orange") > palette_harmony("red", "green")


def test_complementary_colours_beat_a_clash():
    assert palette_harmony("blue", "orange") > palette_harmony("blue", "red")


def test_pieces_for_the_occasion_score_above_pieces_for_another():
    formal = [piece(1, "top", "white", occasions={"formal"}), piece(2, "bottom", "black", occasions={"formal"})]
    sporty = [piece(3, "top", "white", occasions={"sports"}), piece(4, "bottom", "black", occasions={"sports"})]
    assert outfit_score(formal, occasion="formal") > outfit_score(sporty, occasion="formal")


def test_an_unknown_occasion_is_not_a_mismatch():
    unknown = [piece(1, "top", "white"), piece(2, "bottom", "black")]
    wrong = [piece(3, "top", "white", occasions={"sports"}), piece(4, "bottom", "black", occasions={"sports"})]
    assert outfit_score(unknown, occasion="formal") > outfit_score(wrong, occasion="formal")


def test_all_season_pieces_fit_every_season():
    pieces = [piece(1, "top", "white", season="all-season"), piece(2, "bottom", "black", season="all-season")]
    assert outfit_score(pieces, season="winter") == outfit_score(pieces, season="summer")


def test_similar_style_vectors_raise_the_score():
    near = [piece(1, "top", "white", vector=[1, 0]), piece(2, "bottom", "black", vector=[0.9, 0.1])]
    far = [piece(1, "top", "white", vector=[1, 0]), piece(2, "bottom", "black", vector=[-1, 0])]
    assert outfit_score(near) > outfit_score(far)


def test_scores_stay_between_zero_and_one():
    pieces = [piece(i, slot, colour) for i, (slot, colour) in enumerate([("top", "red"), ("bottom", "green"), ("shoes", "multi")])]
    assert 0.0 <= outfit_score(pieces, occasion="party", season="summer") <= 1.0


def test_an_outfit_has_a_top_a_bottom_and_shoes():
    closet = [piece(1, "top", "white"), piece(2, "bottom", "navy"), piece(3, "shoes", "black")]
    [best] = assemble(closet)
    assert sorted(best.ids) == [1, 2, 3]


def test_a_dress_needs_no_bottom():
    closet = [piece(1, "bottom", "red", one_piece=True), piece(2, "bottom", "navy"), piece(3, "shoes", "black")]
    [best] = assemble(closet)
    assert sorted(best.ids) == [1, 3]


def test_pieces_for_another_season_are_left_out():
    closet = [piece(1, "top", "white", season="summer"), piece(2, "bottom", "navy", season="winter"),
              piece(3, "bottom", "black", season="summer")]
    [best] = assemble(closet, season="summer")
    assert 2 not in best.ids and 3 in best.ids


def test_outerwear_joins_in_winter_only():
    closet = [piece(1, "top", "white"), piece(2, "bottom", "navy"), piece(3, "outerwear", "grey")]
    assert 3 in assemble(closet, season="winter")[0].ids
    assert 3 not in assemble(closet, season="summer")[0].ids


def test_the_best_matching_bottom_is_picked():
    closet = [piece(1, "top", "red"), piece(2, "bottom", "green"), piece(3, "bottom", "black")]
    assert assemble(closet)[0].ids == [1, 3]


def test_every_pick_is_explained():
    closet = [piece(1, "top", "white", season="summer", occasions={"casual"}), piece(2, "bottom", "navy", season="summer")]
    [best] = assemble(closet, occasion="casual", season="summer")
    assert "for casual" in best.picks[0].reasons
    assert "navy goes with anything" in best.picks[1].reasons


def test_suggestions_are_distinct_and_best_first():
    closet = [piece(1, "top", "white"), piece(2, "top", "green"), piece(3, "bottom", "red")]
    suggestions = assemble(closet, limit=5)
    assert len({frozenset(s.ids) for s in suggestions}) == len(suggestions) == 2
    assert suggestions[0].score >= suggestions[1].score


def test_a_closet_without_tops_or_dresses_suggests_nothing():
    assert assemble([piece(1, "bottom", "navy"), piece(2, "shoes", "black")]) == []
