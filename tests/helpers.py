"""Helpers shared by the tests (fixtures live in conftest.py and use these)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata, metadata_io, schema_utils
from tfx.components.trainer import fn_args_utils

from data_gen import grammar
from models import features, preprocessing
from models import model as model_lib
from pipeline import configs, flags

# Beam in tests as in the main job: one in-process worker (multi-process Beam under pytest is slow
# and forks the test process).
IN_MEMORY_BEAM_ARGS = list(configs.Settings.beam_args)

RAW_SPEC = {**{k: tf.io.FixedLenFeature([1], tf.string)
               for k in (features.HUMAN_KEY, features.ISO_KEY, features.FORMAT_KEY, features.LANGUAGE_KEY,
                         features.WRITTEN_KEY)},
            features.DAY_FIRST_KEY: tf.io.FixedLenFeature([1], tf.int64)}


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


def raw_rows(n: int, seed: int) -> list[dict]:
    """Generated examples as tf.Transform's instance dicts."""
    return [{"human": [e.human], "iso": [e.iso], "format": [e.family], "language": [e.language],
             "day_first": [int(e.day_first)], "written": [e.written]}
            for e in grammar.generate(n, seed)]


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


def main_job_settings(output_dir: str, *extra: str) -> configs.Settings:
    """The main job's settings for a tiny run: 2,000 examples, one short epoch, in-memory Beam."""
    args = flags.build_parser("test").parse_args([
        "--output-dir", output_dir, "--pipeline-name", "datenmt-test", "--num-examples", "2000",
        "--seed", "3", "--epochs", "1", "--max-trials", "2", "--trial-epochs", "2", "--trial-examples", "400",
        *[f"--beam-arg={a}" for a in IN_MEMORY_BEAM_ARGS], *extra])
    return flags.settings_from_args(args)


def expected_parameter_count(config: model_lib.ModelConfig) -> int:
    """The parameter count the seed design implies, for checking the built model."""

    def lstm(inputs: int, units: int) -> int:
        return 4 * (units * (inputs + units) + units)

    encoder = 2 * lstm(config.input_depth, config.n_a)
    concat_width = 2 * config.n_a + config.n_s
    hidden = model_lib.ATTENTION_HIDDEN_UNITS
    attention = (concat_width * hidden + hidden) + (hidden + 1)
    decoder = lstm(2 * config.n_a, config.n_s)
    output = config.n_s * config.output_vocab_size + config.output_vocab_size
    return encoder + attention + decoder + output


def wait_until_answering(url: str, server: subprocess.Popen, log_path: Path, timeout: float,
                         what: str) -> None:
    """Waits until `url` answers 200, or fails the test with the server's log (it exited, or time ran out)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise AssertionError(f"{what} did not start: {Path(log_path).read_text()[-3000:]}")
        time.sleep(0.5)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_process_group(process: subprocess.Popen) -> None:
    """Stops `process` and whatever it started in its own process group (start_new_session=True)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _mlflow_cli() -> str:
    return os.path.join(os.path.dirname(sys.executable), "mlflow")


@contextlib.contextmanager
def mlflow_tracking_server(root: Path) -> Iterator[str]:
    """A real `mlflow server` (SQLite backend, proxied artifacts under `root`) on a free loopback port;
    yields its URI."""
    port = free_port()
    log_path = Path(root) / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [_mlflow_cli(), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{root}/mlflow.db", "--artifacts-destination", f"{root}/artifacts"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        uri = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{uri}/health", server, log_path, timeout=120, what="mlflow server")
        yield uri
    finally:
        _stop_process_group(server)


@contextlib.contextmanager
def mlflow_model_server(model_uri: str, tracking_uri: str, workdir: Path) -> Iterator[str]:
    """`mlflow models serve` (local environment manager) of `model_uri` on a free loopback port; yields its URL."""
    port = free_port()
    # The server runs `uvicorn` by name: the venv's bin directory must be on PATH, as in an activated venv.
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri,
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    log_path = Path(workdir) / "serve.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [_mlflow_cli(), "models", "serve", "-m", model_uri, "--env-manager", "local", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1"],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{url}/ping", server, log_path, timeout=240, what="mlflow models serve")
        yield url
    finally:  # the server and the uvicorn process it starts
        _stop_process_group(server)


def invoke_mlflow_model(url: str, body: dict) -> list[dict]:
    """The predictions of an `mlflow models serve` server for one /invocations request."""
    request = urllib.request.Request(f"{url}/invocations", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["predictions"]
