"""The rule that makes the site's colour suggestion from the neighbours' vote and the colour model (pure, no
database): the model's colour wins, a disagreeing vote lowers its confidence, no model leaves the vote."""
import numpy as np

from wardrobe.colour_suggestion import ColourOpinion, combine, site_colour_shares


def test_the_models_colour_is_suggested_over_a_disagreeing_vote_with_less_confidence():
    suggestion = combine(ColourOpinion("blue", 0.4), ColourOpinion("green", 0.9))

    assert suggestion.value == "green"
    assert suggestion.confidence < 0.7  # offered, not applied (wardrobe.upload_tags.APPLY_AT)


def test_an_agreeing_vote_keeps_the_models_confidence():
    assert combine(ColourOpinion("green", 0.4), ColourOpinion("green", 0.9)) == ColourOpinion("green", 0.9)


def test_without_the_model_the_vote_is_the_suggestion():
    assert combine(ColourOpinion("blue", 0.4), None) == ColourOpinion("blue", 0.4)
    assert combine(None, None) is None


def test_base_colours_that_name_one_site_colour_add_up():
    shares = site_colour_shares(("Charcoal", "Grey", "Navy Blue"), np.array([0.3, 0.3, 0.4]))

    assert shares == {"grey": 0.6, "navy": 0.4}
