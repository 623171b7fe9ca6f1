"""The mood-board task of the evaluation on a synthetic dataset whose right answers are known."""
import numpy as np
import pytest

from ml import evaluate
from tests.ml.test_evaluate import LabelFeatures, make_dataset


def features_of(data: evaluate.Dataset) -> LabelFeatures:
    """Label features with enough noise that two items of one type and colour are alike, not duplicates (the
    ranking drops a candidate within 0.95 cosine of an owned photo as one the closet already has)."""
    features = LabelFeatures(data)
    rng = np.random.default_rng(5)
    features._image = features._image + rng.normal(0, 0.3, features._image.shape).astype(np.float32)
    return features


@pytest.fixture
def setting(tmp_path):
    data = make_dataset(tmp_path)
    wardrobes = evaluate.sample_wardrobes(data, n=8, rng=np.random.default_rng(1), min_persona_items=60,
                                          palette_size=2)
    boards = evaluate.sample_boards(data, wardrobes, rng=np.random.default_rng(2))
    features = features_of(data)
    method = evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                                 evaluate.OursSettings(sigma=0.05, exploration=0.0))
    items = np.unique([i for w, b in boards for i in w.items + w.heldout + b.items + b.heldout])
    method.prepare(evaluation_items=items, wardrobes=[w for w, _ in boards])
    return data, boards, method


def test_a_board_is_the_closets_persona_in_colours_the_closet_does_not_wear(setting):
    data, boards, _ = setting
    assert len(boards) == 8
    for wardrobe, board in boards:
        assert not set(board.palette) & set(wardrobe.palette)
        assert not set(board.items + board.heldout) & set(wardrobe.items + wardrobe.heldout)
        for i in board.items + board.heldout:
            assert (data.gender[i], data.usage[i]) == (wardrobe.gender, wardrobe.usage)
            assert data.base_colour[i] in board.palette


def test_boards_are_the_same_for_the_same_seed(tmp_path):
    data = make_dataset(tmp_path)
    wardrobes = evaluate.sample_wardrobes(data, n=4, rng=np.random.default_rng(1), min_persona_items=60,
                                          palette_size=2)
    first = evaluate.sample_boards(data, wardrobes, rng=np.random.default_rng(7))
    assert first == evaluate.sample_boards(data, wardrobes, rng=np.random.default_rng(7))


def test_a_wardrobe_whose_persona_has_no_other_colours_gets_no_board(tmp_path):
    data = make_dataset(tmp_path)
    wardrobes = evaluate.sample_wardrobes(data, n=3, rng=np.random.default_rng(1), min_persona_items=60,
                                          palette_size=4)  # every colour of the dataset is in the closet
    assert evaluate.sample_boards(data, wardrobes, rng=np.random.default_rng(2)) == []


def test_a_board_takes_fewer_colours_where_the_persona_has_fewer_left(tmp_path):
    data = make_dataset(tmp_path)
    wardrobes = evaluate.sample_wardrobes(data, n=3, rng=np.random.default_rng(1), min_persona_items=60,
                                          palette_size=3)
    boards = evaluate.sample_boards(data, wardrobes, rng=np.random.default_rng(2), palette_size=2)
    assert len(boards) == 3
    assert all(len(board.palette) == 1 for _, board in boards)


def test_the_slider_moves_the_list_from_the_closets_palette_to_the_boards(setting):
    data, boards, method = setting
    scores = evaluate.score_boards(data, method, boards, rng=np.random.default_rng(3))
    assert scores["board_palette@1.00"] > scores["board_palette@0.00"] + 0.2
    assert scores["closet_palette@0.00"] > scores["closet_palette@1.00"] + 0.2


def test_the_boards_own_cards_look_like_the_board(setting):
    data, boards, method = setting
    scores = evaluate.score_boards(data, method, boards, rng=np.random.default_rng(3))
    assert "board_part@0.00" not in scores  # no slot for the board at share 0
    assert scores["board_part@0.30"] > scores["board_palette@0.00"] + 0.3
    assert scores["persona@0.30"] >= 0.95
    assert scores["gender_violations@0.30"] == 0.0


def test_no_list_shows_a_photo_of_the_closet_or_of_the_board(setting):
    data, boards, method = setting
    for wardrobe, board in boards:
        for share in evaluate.BOARD_SHARES:
            closet, found = method.recommend_with_board(wardrobe, board, share=share, k=20,
                                                        rng=np.random.default_rng(0))
            assert len(closet) + len(found) == 20
            assert not set(closet) & set(found)
            assert not set(closet.tolist() + found.tolist()) & set(wardrobe.items + board.items)


def test_the_run_scores_the_mood_board_for_ours_and_not_for_the_references(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)  # the run samples from the evaluation split, a fifth
    result = evaluate.run(data, features_of(data), configs=["seed-knn", "ours"], seed=1, n_queries=20,
                          n_wardrobes=4, min_persona_items=40, seed_input_size=128)
    assert "mood_board" not in result["configs"]["seed-knn"]
    board = result["configs"]["ours"]["mood_board"]
    assert board["board_palette@1.00"] > board["board_palette@0.00"]
    assert "board_palette@pooled" in board
    table = evaluate.board_table(board)
    assert table.splitlines()[0].startswith("| metric | share 0.0 | share 0.1 |")
    assert "| board palette |" in table
