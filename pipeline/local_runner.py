"""Runs the datenmt pipeline with TFX's LocalDagRunner on the embedded defaults (pipeline/configs.py)."""

from absl import logging
from tfx import v1 as tfx

from pipeline import configs
from pipeline import pipeline as pipeline_lib


def run() -> None:
    tfx.orchestration.LocalDagRunner().run(
        pipeline_lib.create_pipeline(
            pipeline_name=configs.PIPELINE_NAME,
            pipeline_root=configs.PIPELINE_ROOT,
            num_examples=configs.NUM_EXAMPLES,
            seed=configs.SEED,
            splits=configs.SPLITS,
            training_config=configs.TRAINING_CONFIG,
            enable_tuning=configs.ENABLE_TUNING,
            tuning_config=configs.TUNING_CONFIG,
            metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
                configs.METADATA_PATH),
            beam_pipeline_args=configs.BEAM_PIPELINE_ARGS,
        ))


if __name__ == "__main__":
    logging.set_verbosity(logging.INFO)
    run()
