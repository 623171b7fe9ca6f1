"""Where the model files the project ships live (paths only: no framework is imported, so the evaluation and
scripts can name them cheaply). Each file is made by the command its docs give; none is downloaded at run time.
"""
from __future__ import annotations

from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent
# Lite0 fine-tuned by ml.finetune_heads on the shared catalogue at 96 px, fp16 (docs/finetune.md: command, data,
# seed, and the evaluation that made it the default image trunk).
FINE_TUNED_WEIGHTS = WEIGHTS_DIR / "lite0-heads-96.pt"
# The colour classifier of ml.colour_model (its TRAIN_COMMAND).
COLOUR_WEIGHTS = WEIGHTS_DIR / "colour.npz"

__all__ = ["COLOUR_WEIGHTS", "FINE_TUNED_WEIGHTS", "WEIGHTS_DIR"]
