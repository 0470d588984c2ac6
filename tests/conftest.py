"""Shared test fixtures."""

from __future__ import annotations

import argparse
import json
import os
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
import tensorflow_transform.beam as tft_beam  # noqa: E402
from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io, schema_utils  # noqa: E402
from tfx.components.trainer import fn_args_utils  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from data_gen import generator  # noqa: E402
from pipeline import configs, flags, main_job  # noqa: E402
from models import features, preprocessing  # noqa: E402

# Beam in tests: one in-process worker (multi-process Beam under pytest is slow
# and forks the test process).
IN_MEMORY_BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]

RAW_SPEC = {k: tf.io.FixedLenFeature([1], tf.string)
            for k in (features.HUMAN_KEY, features.ISO_KEY, features.FORMAT_KEY)}


def analyze_and_transform(train_rows: list[dict], other_rows: list[dict], out_dir: str):
    """Runs preprocessing_fn with tf.Transform's Beam implementation, as TFX's Transform does.

    Analyzes `train_rows`, transforms both lists, writes the transform graph (with the
    raw schema, as TFX does) to `out_dir`. Returns (train_out, other_out, transformed metadata).
    """
    metadata = dataset_metadata.DatasetMetadata(schema_utils.schema_from_feature_spec(RAW_SPEC))
    with tft_beam.Context(temp_dir=os.path.join(os.path.dirname(out_dir), "tft_tmp"), force_tf_compat_v1=False):
        (train_out, out_metadata), transform_fn = (
            (train_rows, metadata) | tft_beam.AnalyzeAndTransformDataset(
                preprocessing.preprocessing_fn, output_record_batches=False))
        (other_out, _) = ((other_rows, metadata), transform_fn) | tft_beam.TransformDataset()
        _ = transform_fn | tft_beam.WriteTransformFn(out_dir)
    metadata_io.write_metadata(metadata, os.path.join(out_dir, tft.TFTransformOutput.RAW_METADATA_DIR))
    return train_out, other_out, out_metadata


def _raw_rows(n: int, seed: int) -> list[dict]:
    return [{"human": [e.human], "iso": [e.iso], "format": [e.format]} for e in generator.generate(n, seed)]


@pytest.fixture(scope="session")
def transformed_data(tmp_path_factory):
    """Small train/eval splits run through the real preprocessing_fn, laid out like TFX artifacts.

    Returns (examples artifact, transform graph artifact, TFTransformOutput).
    """
    root = str(tmp_path_factory.mktemp("transformed"))
    graph_dir = os.path.join(root, "transform_graph")
    train_out, eval_out, out_metadata = analyze_and_transform(
        _raw_rows(1500, seed=1), _raw_rows(300, seed=2), graph_dir)
    coder = tft.coders.ExampleProtoCoder(out_metadata.schema)
    examples_dir = os.path.join(root, "examples")
    for split, rows in (("train", train_out), ("eval", eval_out)):
        os.makedirs(os.path.join(examples_dir, f"Split-{split}"))
        with tf.io.TFRecordWriter(os.path.join(examples_dir, f"Split-{split}", "data.gz"),
                                  options="GZIP") as writer:
            for row in rows:
                writer.write(coder.encode(row))
    examples = standard_artifacts.Examples()
    examples.uri = examples_dir
    examples.split_names = '["train", "eval"]'
    graph = standard_artifacts.TransformGraph()
    graph.uri = graph_dir
    return examples, graph, tft.TFTransformOutput(graph_dir)


def make_fn_args(transformed_data, working_dir: str, custom_config: dict) -> fn_args_utils.FnArgs:
    """FnArgs as TFX's Trainer and Tuner build them, over the `transformed_data` fixture."""
    examples, graph, _ = transformed_data
    fn_args = fn_args_utils.get_common_fn_args(
        {"examples": [examples], "transform_graph": [graph]},
        {"train_args": json.dumps({"splits": ["train"]}), "eval_args": json.dumps({"splits": ["eval"]}),
         "custom_config": json.dumps(custom_config)},
        working_dir=working_dir)
    fn_args.serving_model_dir = os.path.join(working_dir, "serving_model")
    fn_args.model_run_dir = os.path.join(working_dir, "model_run")
    return fn_args


def main_job_args(output_dir: str, *extra: str):
    """The main job's flags for a tiny run: 2,000 examples, one short epoch, in-memory Beam."""
    parser = flags.add_pipeline_arguments(argparse.ArgumentParser())
    return parser.parse_args([
        "--output-dir", output_dir, "--pipeline-name", "datenmt-test", "--num-examples", "2000",
        "--seed", "3", "--epochs", "1", "--max-trials", "2", "--trial-epochs", "1",
        *[f"--beam-arg={a}" for a in IN_MEMORY_BEAM_ARGS], *extra])


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Three runs of the main job (LocalDagRunner, tuning on) over one output directory.

    unreachable: accuracy threshold 1.01; pushed: threshold 0 (only evaluation changes);
    again: the same as `pushed`, nothing changed (evaluates once more: it now has a baseline);
    cached: the same once more (everything from cache).
    """
    output_dir = str(tmp_path_factory.mktemp("main_job"))
    unreachable = main_job.run(main_job_args(output_dir, "--accuracy-threshold", "1.01"))
    serving_dir = configs.serving_model_dir(output_dir)
    pushed_after_unreachable = os.listdir(serving_dir) if os.path.exists(serving_dir) else []
    pushed = main_job.run(main_job_args(output_dir, "--accuracy-threshold", "0"))
    again = main_job.run(main_job_args(output_dir, "--accuracy-threshold", "0"))
    cached = main_job.run(main_job_args(output_dir, "--accuracy-threshold", "0"))
    return types.SimpleNamespace(output_dir=output_dir, unreachable=unreachable, pushed=pushed, again=again,
                                 cached=cached,
                                 metadata_path=configs.metadata_path(output_dir),
                                 pushed_after_unreachable=pushed_after_unreachable)
