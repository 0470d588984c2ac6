"""Shared test fixtures (the helpers they use are in tests/helpers.py)."""

from __future__ import annotations

import os
import tempfile
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_transform as tft  # noqa: E402
from tfx.types import standard_artifacts  # noqa: E402

from pipeline import main_job  # noqa: E402
from tests.helpers import analyze_and_transform, main_job_settings, raw_rows  # noqa: E402

SHARED_RUNS_GROUP = "main_job_runs"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """Groups for pytest-xdist's `--dist=loadgroup` (pyproject.toml): each module's tests on one worker, so
    that module fixtures are set up once, and every module that uses the session's `runs` on one worker
    together, so that the main job's runs are made once."""
    uses_runs = {item.module.__name__ for item in items if "runs" in item.fixturenames}
    for item in items:
        module = item.module.__name__
        item.add_marker(pytest.mark.xdist_group(SHARED_RUNS_GROUP if module in uses_runs else module))


@pytest.fixture(scope="session", autouse=True)
def _temp_dir_of_the_session():
    """Python's temporary files in a directory removed when the session ends, as the main job does for a run:
    every Beam executor a test builds leaves TFX's 52 MB package of itself there."""
    with main_job.own_temp_dir():
        yield


@pytest.fixture(scope="session")
def transformed_data(tmp_path_factory):
    """Small train/eval splits run through the real preprocessing_fn, laid out like TFX artifacts.

    Returns (examples artifact, transform graph artifact, TFTransformOutput).
    """
    root = str(tmp_path_factory.mktemp("transformed"))
    graph_dir = os.path.join(root, "transform_graph")
    train_out, eval_out, out_metadata = analyze_and_transform(
        raw_rows(1500, seed=1), raw_rows(300, seed=2), graph_dir)
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


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """Three runs of the main job (LocalDagRunner, tuning on) over one output directory.

    unreachable: accuracy threshold 1.0; pushed: threshold 0 (only evaluation changes);
    again: the same as `pushed`, nothing changed: everything from cache, the baseline lookup, evaluation and
    push included (the baseline is looked up again only for a new candidate), so any later run with these
    settings would repeat `again`.
    """
    output_dir = str(tmp_path_factory.mktemp("main_job"))
    temp_dir = str(tmp_path_factory.mktemp("process_temp"))  # the process's temporary directory while they run
    previous_temp_dir, tempfile.tempdir = tempfile.tempdir, temp_dir
    try:
        unreachable_settings = main_job_settings(output_dir, "--accuracy-threshold", "1")
        unreachable = main_job.run(unreachable_settings)
        serving_dir = unreachable_settings.serving_model_dir
        pushed_after_unreachable = os.listdir(serving_dir) if os.path.exists(serving_dir) else []
        pushed = main_job.run(main_job_settings(output_dir, "--accuracy-threshold", "0"))
        again = main_job.run(main_job_settings(output_dir, "--accuracy-threshold", "0"))
    finally:
        tempfile.tempdir = previous_temp_dir
    return types.SimpleNamespace(output_dir=output_dir, unreachable=unreachable, pushed=pushed, again=again,
                                 settings=unreachable_settings,
                                 metadata_path=unreachable_settings.metadata_path,
                                 pushed_after_unreachable=pushed_after_unreachable,
                                 left_in_temp_dir=sorted(os.listdir(temp_dir)))
