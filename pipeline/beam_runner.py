"""Runs the datenmt pipeline with TFX's BeamDagRunner on the embedded defaults (see --help)."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pipeline import console  # noqa: E402

if __name__ == "__main__":
    sys.exit(console.main(runner="beam"))
