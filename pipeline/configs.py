"""Embedded defaults of the main job (`make run`)."""

import os

PIPELINE_NAME = "datenmt"
OUTPUT_DIR = os.environ.get("DATENMT_OUTPUT_DIR", os.path.join(os.getcwd(), "outputs"))
PIPELINE_ROOT = os.path.join(OUTPUT_DIR, "pipeline_root")
METADATA_PATH = os.path.join(OUTPUT_DIR, "metadata", "metadata.db")

NUM_EXAMPLES = 40000
SEED = 42
SPLITS = {"train": 8, "eval": 1, "test": 1}
TRAINING_CONFIG = {"epochs": 12, "batch_size": 100}
ENABLE_TUNING = False
TUNING_CONFIG = {"max_trials": 4, "epochs": 2, "batch_size": 100}

# Components' own Beam work: the DirectRunner in multi-process mode, one worker per core.
BEAM_PIPELINE_ARGS = ["--direct_running_mode=multi_processing", "--direct_num_workers=0"]
