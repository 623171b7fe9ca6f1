import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from ml.weights import FINE_TUNED_WEIGHTS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_suite_runs_on_postgres_when_database_url_is_set():
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set (make test sets it to the local PostgreSQL)")
    assert connection.vendor == "postgresql"


def _setting_in_a_fresh_process(name: str, **env: str) -> str:
    """A setting as the settings module computes it from ``env`` (the ML_IMAGE_* variables of this process left out:
    a new process reads them from scratch)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ML_IMAGE_")}
    result = subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        cwd=ROOT, env={**inherited, "DJANGO_SETTINGS_MODULE": "closetspace_site.settings", **env},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_site_embeds_with_the_shipped_fine_tuned_trunk_by_default():
    from wardrobe.embedding import encoder_config

    assert Path(_setting_in_a_fresh_process("ML_IMAGE_WEIGHTS")) == FINE_TUNED_WEIGHTS
    assert encoder_config().image_weights_path() == str(FINE_TUNED_WEIGHTS)


def test_a_resnet50_site_does_not_inherit_the_lite0_trunk():
    assert _setting_in_a_fresh_process("ML_IMAGE_WEIGHTS", ML_IMAGE_BACKBONE="resnet50") == ""


def test_an_empty_setting_asks_for_the_imagenet_weights():
    assert _setting_in_a_fresh_process("ML_IMAGE_WEIGHTS", ML_IMAGE_WEIGHTS="") == ""
