"""``python -m ml.evaluate``: see ml/evaluate/cli.py."""
import sys

from ml.evaluate.cli import main

sys.exit(main())
