"""Shared test fixtures."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Beam in tests: one in-process worker (DEVELOPERS.md: multi-process Beam under
# pytest is slow and forks the test process).
IN_MEMORY_BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
