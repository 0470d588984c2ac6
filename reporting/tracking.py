"""MLflow experiment tracking: one parent run per pipeline run, nested runs for trials, training, evaluation.

Reporting reads what the pipeline recorded (ML Metadata and its artifacts), so a run whose
components were served from cache is reported as faithfully as a fresh one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import mlflow
import tensorflow as tf
from mlflow.tracking import MlflowClient
from mlflow.tracking.context import registry as run_context
from mlflow.utils import mlflow_tags

from data_gen import formats
from models import features, mlflow_model, saved_model, training, tuning
from reporting import datasets, plots, records, summary

# Fixed inputs whose attention maps are logged for every trained model.
ATTENTION_SAMPLES = ("3 may 1979", "tuesday april 5 2001", "25th of june 2009", "25.06.09")
PIPELINE_RUN_TAG = "tfx.pipeline_run_id"
MLFLOW_RUN_PROPERTY = "mlflow_run_id"  # on the ML Metadata pipeline_run context
MAX_METRICS_PER_BATCH = 1000  # MLflow's log_batch limit
# The experiment's type, as MLflow's UI stores it when a user picks one ("Machine learning", not "GenAI apps &
# agents"). MLflow 3.17's UI opens an experiment on the page of the workflow chosen in its sidebar ("GenAI" or
# "Model training", remembered by the browser) or in the URL (UI_WORKFLOW); earlier 3.x versions use this tag.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
MODEL_TRAINING_KIND = "custom_model_development"
UI_WORKFLOW = "workflowType=machine_learning"  # opens the experiment on its training runs
EXPERIMENT_DESCRIPTION = (
    "Runs of the datenmt TFX pipeline, which trains, tunes, gates and ships a neural date normaliser. One parent "
    "run per pipeline run (its start and end are the pipeline's), with nested runs for the Tuner's trials, the "
    "Trainer and the Evaluator; the generated examples are each run's dataset input.")
TRIALS_PLOT = "tuner_trials.png"  # on the parent run: each trial's size against its validation exact match
# How to call a registered version, in its description (the signature and an input example are in the model).
MODEL_USAGE = ("An MLflow Model (pyfunc): mlflow.pyfunc.load_model('models:/{name}/<version>').predict("
               "pandas.DataFrame({{'human': ['3 may 1979'], 'day_first': [False]}})) returns iso, is_date, "
               "confidence, ambiguous, reason and error per input; `mlflow models serve -m "
               "models:/{name}/<version>` serves it at /invocations.")


class TrackingUnavailableError(RuntimeError):
    """The configured tracking server cannot be reached."""


@dataclasses.dataclass(frozen=True)
class TrackingSettings:
    """Where and under which names runs are recorded."""

    tracking_uri: str
    experiment: str
    registered_model: str
    artifact_location: str | None = None  # for a local store; a server chooses its own


def local_settings(output_dir: str, experiment: str, registered_model: str) -> TrackingSettings:
    """The embedded store: SQLite and artifacts under the project's output directory."""
    root = os.path.abspath(os.path.join(output_dir, "mlflow"))
    os.makedirs(root, exist_ok=True)
    return TrackingSettings(tracking_uri=f"sqlite:///{root}/mlflow.db", experiment=experiment,
                            registered_model=registered_model, artifact_location=f"file://{root}/artifacts")


@contextlib.contextmanager
def _no_http_retries() -> Iterator[None]:
    """MLflow retries unreachable servers for minutes; fail within seconds instead."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT")}
    os.environ.update(MLFLOW_HTTP_REQUEST_MAX_RETRIES="0", MLFLOW_HTTP_REQUEST_TIMEOUT="10")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def experiment_id(settings: TrackingSettings) -> str:
    """The experiment's id, created if missing (a model-training experiment with a description, see
    EXPERIMENT_KIND_TAG); raises TrackingUnavailableError if the store is unreachable."""
    client = MlflowClient(settings.tracking_uri)
    try:
        with _no_http_retries():
            experiment = client.get_experiment_by_name(settings.experiment)
            if experiment is None:
                return client.create_experiment(settings.experiment, artifact_location=settings.artifact_location,
                                                tags={EXPERIMENT_KIND_TAG: MODEL_TRAINING_KIND,
                                                      mlflow_tags.MLFLOW_RUN_NOTE: EXPERIMENT_DESCRIPTION})
            if EXPERIMENT_KIND_TAG not in experiment.tags:  # made before the tag was set; a user's choice stays
                client.set_experiment_tag(experiment.experiment_id, EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND)
            return experiment.experiment_id
    except Exception as e:  # noqa: BLE001 - any failure here means "cannot record runs"
        raise TrackingUnavailableError(
            f"MLflow tracking at {settings.tracking_uri} cannot be reached ({type(e).__name__}: "
            f"{str(e).splitlines()[0][:300]}). Nothing was run. Start the server, point --tracking-uri "
            "(or MLFLOW_TRACKING_URI) at a reachable one, or pass --no-tracking to run without a record."
        ) from e


def data_config(num_examples: int, seed: int, epochs: int | None, max_trials: int,
                splits: Mapping[str, int] | None = None) -> dict[str, Any]:
    """What the data and the search were made from, as recorded with each run (max_trials 0: no tuning)."""
    config = {"num_examples": num_examples, "seed": seed, "catalogue_version": formats.CATALOGUE_VERSION,
              "epochs": epochs, "tuning": max_trials > 0, "max_trials": max_trials}
    if splits is not None:
        config["splits"] = dict(splits)
    return config


# --- what each nested run holds --------------------------------------------------------------

Span = tuple[int | None, int | None]  # a run's start and end, ms since the epoch (None: when it is recorded)
NO_SPAN: Span = (None, None)


def _read_json(path: str) -> Any:
    with tf.io.gfile.GFile(path) as f:
        return json.load(f)


def _sizes(hyperparameters: Mapping[str, Any]) -> str:
    """ "n_a 32, n_s 48" """
    return ", ".join(f"{k} {hyperparameters[k]}" for k in ("n_a", "n_s") if k in hyperparameters)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def model_info(run: records.RunRecords | records.InputArtifacts) -> dict[str, Any] | None:
    """The Trainer's record of its model (sizes, parameter count, training settings), or None."""
    model_run = run.artifact("ModelRun", "Trainer")
    return None if model_run is None else _read_json(os.path.join(model_run.uri, training.MODEL_FILE))


def trial_points(trials: Sequence[Mapping[str, Any]], chosen: Mapping[str, Any] | None) -> list[plots.TrialPoint]:
    """The trials a size plot shows: those with a score and a parameter count, labelled "n_a/n_s" (with their
    epochs when the trials' epochs differ). Of the trials with the `chosen` sizes (those the Trainer trained),
    the best-scoring one is marked."""
    shown = [t for t in trials if t.get("score") is not None and t.get("parameters")]
    varied_epochs = len({t.get("epochs") for t in shown}) > 1

    def label(trial: Mapping[str, Any]) -> str:
        text = "/".join(str(trial["hyperparameters"][k]) for k in ("n_a", "n_s") if k in trial["hyperparameters"])
        return f"{text} ({trial['epochs']} ep)" if varied_epochs and trial.get("epochs") else text

    chosen_sizes = [t for t in shown if chosen and all(t["hyperparameters"].get(k) == v for k, v in chosen.items())]
    best = max(chosen_sizes, key=lambda t: t["score"], default=None)
    return [plots.TrialPoint(int(t["parameters"]), float(t["score"]), label(t), t is best) for t in shown]


def describe_trial(trial: Mapping[str, Any], epochs: int | None) -> str:
    """A trial run's description."""
    parts = [f"Tuner trial {trial['trial_id']}: {_sizes(trial['hyperparameters'])}"]
    if trial.get("parameters"):
        parts[0] += f" ({trial['parameters']:,} parameters)"
    if epochs:
        parts.append(_count(epochs, "epoch"))
    if trial.get("score") is not None:
        parts.append(f"validation exact match {trial['score']:.4f}")
    if trial.get("seconds") is not None:
        parts.append(f"{trial['seconds']:.0f} s")
    return ", ".join(parts) + f" ({str(trial['status']).lower()})."


def log_trials(client: MlflowClient, parent, run: records.RunRecords | records.InputArtifacts,
               trial_epochs: int | None, workdir: str, chosen: Mapping[str, Any] | None = None) -> int:
    """One nested run per Tuner trial, and on the parent run a plot of the trials' sizes against their
    validation exact match (TRIALS_PLOT) with the `chosen` sizes marked; returns how many trials.

    A trial's epochs are its record's, else `trial_epochs`. keras-tuner records how long each trial took, not
    when it started: the trial runs are laid end to end from the start of the Tuner execution that ran them
    (an earlier pipeline run's, when this one reused its results from cache), as the Tuner runs them, one
    after another.
    """
    results = run.artifact("TunerResults")
    if results is None:
        return 0
    trials = _read_json(os.path.join(results.uri, tuning.TRIALS_FILE))
    start = (run.producer_span_ms(results) or NO_SPAN)[0]
    for trial in trials:
        epochs = trial.get("epochs") or trial_epochs
        end = None if start is None or trial.get("seconds") is None else start + round(trial["seconds"] * 1000)
        child = _child(client, parent, f"trial {trial['trial_id']}", "tuner_trial", (start, end),
                       describe_trial(trial, epochs))
        _log_params(client, child, {**trial["hyperparameters"], **({"epochs": epochs} if epochs else {})})
        client.set_tag(child.info.run_id, "trial_status", trial["status"])
        _log_metrics(client, child.info.run_id, [
            (key, trial[field], 0) for key, field in (("val_exact_match", "score"), ("val_loss", "val_loss"),
                                                      ("duration_seconds", "seconds"),
                                                      ("parameter_count", "parameters"))
            if trial.get(field) is not None])
        client.set_terminated(child.info.run_id, end_time=end)
        start = end
    points = trial_points(trials, chosen)
    if points:
        client.log_artifact(parent.info.run_id, plots.trial_sizes(points, os.path.join(workdir, TRIALS_PLOT)))
    return len(trials)


def _signatures(loaded) -> dict[str, Any]:
    """Inputs and outputs (dtype, shape) of every signature of a loaded SavedModel."""
    described = {}
    for name, fn in loaded.signatures.items():
        inputs = fn.structured_input_signature[1]
        described[name] = {
            "inputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()} for k, v in inputs.items()},
            "outputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()}
                        for k, v in fn.structured_outputs.items()},
        }
    return described


def describe_training(info: Mapping[str, Any], history: Mapping[str, Sequence[float]], best: int) -> str:
    """The Trainer run's description."""
    return (f"The Trainer's model: {_sizes(info)}, {info['parameters']:,} parameters, trained "
            f"{_count(len(history['val_exact_match']), 'epoch')} on the train split (batch size "
            f"{info['training_config']['batch_size']}); epoch {best + 1} restored, validation exact match "
            f"{history['val_exact_match'][best]:.4f}.")


def log_training(client: MlflowClient, parent, run: records.RunRecords | records.InputArtifacts,
                 data_config: Mapping[str, Any], workdir: str, span: Span = NO_SPAN,
                 dataset: datasets.ExamplesDataset | None = None) -> str | None:
    """The Trainer's nested run: hyperparameters, data, per-epoch metrics, model, figures, vocabularies."""
    model_run, model, info = run.artifact("ModelRun", "Trainer"), run.artifact("Model", "Trainer"), model_info(run)
    if model_run is None or model is None:
        return None
    history = _read_json(os.path.join(model_run.uri, training.HISTORY_FILE))
    best = max(range(len(history["val_exact_match"])), key=lambda i: history["val_exact_match"][i])
    child = _child(client, parent, "trainer", "trainer", span, describe_training(info, history, best))
    run_id = child.info.run_id
    _log_params(client, child, {**info["training_config"], "n_a": info["n_a"],
                                "n_s": info["n_s"], "learning_rate": info["learning_rate"],
                                "confidence_exponent": info["confidence"]["exponent"],
                                **{f"data.{k}": v for k, v in data_config.items()}})
    _log_metrics(client, run_id, [
        ("parameter_count", info["parameters"], 0),
        *[(key, value, epoch + 1) for key, values in history.items() for epoch, value in enumerate(values)],
        *[(f"final_{key}", history[key][best], 0)  # the restored (best) epoch
          for key in ("loss", "char_accuracy", "exact_match", "val_loss", "val_char_accuracy", "val_exact_match")],
    ])
    if dataset is not None:
        client.log_inputs(run_id, [datasets.dataset_input(dataset, "training")])

    normaliser = saved_model.DateNormaliser(os.path.join(model.uri, "Format-Serving"))
    signatures = _signatures(normaliser.loaded)
    client.set_tag(run_id, "model_signature", json.dumps(signatures["serving_default"]))
    files = [
        training.write_json(signatures, os.path.join(workdir, "signatures.json")),
        plots.training_curves(history, os.path.join(workdir, "training_curves.png")),
        plots.attention_maps([(text, *normaliser.attention(text)) for text in ATTENTION_SAMPLES],
                             os.path.join(workdir, "attention_maps.png")),
        os.path.join(model_run.uri, training.HISTORY_FILE),
    ]
    for path in files:
        client.log_artifact(run_id, path)
    graph = run.artifact("TransformGraph", "Transform")
    if graph is not None:
        for name in (features.INPUT_VOCAB_NAME, features.OUTPUT_VOCAB_NAME):
            client.log_artifact(run_id, os.path.join(graph.uri, "transform_fn", "assets", name), "vocabularies")
    client.set_terminated(run_id, end_time=span[1])
    return run_id


def language_metric(language: str) -> str:
    """The MLflow metric of a language's exact match (beside `exact_match.<format>`)."""
    return f"exact_match.language.{language}"


def describe_evaluation(run_summary: summary.RunSummary) -> str:
    """The Evaluator run's description."""
    text = f"The Evaluator: exact match {run_summary.exact_match:.4f} on {run_summary.examples:,} test examples"
    worst = []
    if len(run_summary.languages) > 1:
        lang = run_summary.languages[0]
        worst.append(f"worst language {lang.language} ({lang.name}): {lang.exact_match:.4f}")
    if run_summary.formats:
        worst.append(f"worst format {run_summary.formats[0].format}: {run_summary.formats[0].exact_match:.4f}")
    if worst:
        text += f" ({'; '.join(worst)})"
    if run_summary.blessed:
        return text + "; blessed."
    if run_summary.gate_failures:
        return text + "; not blessed: " + "; ".join(run_summary.gate_failures) + "."
    return text + "; not blessed: below the accuracy threshold or the serving model's exact match."


def log_evaluation(client: MlflowClient, parent, run_summary: summary.RunSummary,
                   thresholds: Mapping[str, float], workdir: str, span: Span = NO_SPAN,
                   dataset: datasets.ExamplesDataset | None = None) -> None:
    """The Evaluator's nested run: exact match overall, per language and per format, thresholds, blessed or not
    (and which gated slice failed)."""
    if run_summary.exact_match is None:
        return
    child = _child(client, parent, "evaluator", "evaluator", span, describe_evaluation(run_summary))
    run_id = child.info.run_id
    _log_params(client, child, dict(thresholds))
    _log_metrics(client, run_id, [("exact_match", run_summary.exact_match, 0), ("examples", run_summary.examples, 0),
                                  *[(language_metric(lang.language), lang.exact_match, 0)
                                    for lang in run_summary.languages],
                                  *[(f"exact_match.{f.format}", f.exact_match, 0) for f in run_summary.formats]])
    client.set_tag(run_id, "blessed", str(bool(run_summary.blessed)).lower())
    if dataset is not None:
        client.log_inputs(run_id, [datasets.dataset_input(dataset, "evaluation")])
    by_format = {f.format: f.exact_match for f in run_summary.formats}
    by_language = {f"{lang.language} {lang.name}": lang.exact_match for lang in run_summary.languages}
    metrics = {"exact_match": run_summary.exact_match, "examples": run_summary.examples,
               "by_language": {lang.language: {"exact_match": lang.exact_match, "examples": lang.examples}
                               for lang in run_summary.languages},
               "by_format": {f.format: {"exact_match": f.exact_match, "examples": f.examples}
                             for f in run_summary.formats},
               "by_language_and_format": {
                   language: {f.format: {"exact_match": f.exact_match, "examples": f.examples} for f in formats}
                   for language, formats in run_summary.formats_by_language.items()},
               "thresholds": dict(thresholds), "blessed": run_summary.blessed,
               "gate_failures": run_summary.gate_failures}
    client.log_artifact(run_id, training.write_json(metrics, os.path.join(workdir, "evaluation_metrics.json")))
    if by_format:
        client.log_artifact(run_id, plots.exact_match_by_format(
            by_format, os.path.join(workdir, "exact_match_by_format.png")))
    if by_language:
        client.log_artifact(run_id, plots.exact_match_by_format(
            by_language, os.path.join(workdir, "exact_match_by_language.png")))
    client.set_terminated(run_id, end_time=span[1])


def register_pushed_model(client: MlflowClient, parent, settings: TrackingSettings, pushed_to: str,
                          model_dir: str | None = None):
    """Registers a pushed SavedModel as a new model version, once per pushed directory, and tags the
    parent run with where it was pushed and the version (`pushed_destination`, `registered_model_version`).

    The model is logged under the parent run as an MLflow Model (`models/mlflow_model.py`: the pyfunc
    flavor wrapping the SavedModel, with a signature and an input example), from `model_dir`, a local copy
    of the pushed files, when `pushed_to` is not a local path, as on Kubeflow; the version is made from that
    logged model and tagged with the pushed path. A re-run that reuses the push from cache finds the version
    registered before.
    """
    client.set_tag(parent.info.run_id, "pushed_destination", pushed_to)
    with contextlib.suppress(mlflow.exceptions.MlflowException):  # already exists
        client.create_registered_model(settings.registered_model)
    version = next((v for v in client.search_model_versions(f"name='{settings.registered_model}'")
                    if v.tags.get("pushed_destination") == pushed_to), None)
    if version is None:
        with mlflow_model.use_tracking_uri(settings.tracking_uri):  # a SQL registry resolves the source by it
            logged = mlflow_model.log_model(settings.tracking_uri, parent.info.run_id, model_dir or pushed_to)
            version = client.create_model_version(
                settings.registered_model, source=logged.model_uri, run_id=parent.info.run_id,
                tags={"pushed_destination": pushed_to}, model_id=logged.model_id,
                description=f"Blessed by the Evaluator and pushed to {pushed_to}. "
                            + MODEL_USAGE.format(name=settings.registered_model))
    client.set_tag(parent.info.run_id, "registered_model_version", f"{version.name}/{version.version}")
    return version


def find_parent_run(client: MlflowClient, settings: TrackingSettings, pipeline_run_id: str):
    """The parent run recorded for the pipeline run `pipeline_run_id` (its `tfx.pipeline_run_id` tag);
    the newest if there are several. Raises LookupError when there is none."""
    runs = client.search_runs([experiment_id(settings)], filter_string=f"tags.`{PIPELINE_RUN_TAG}` = "
                              f"'{pipeline_run_id}'", order_by=["attributes.start_time DESC"])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    if not parents:
        raise LookupError(f"no MLflow run of pipeline run {pipeline_run_id!r} in experiment {settings.experiment!r} "
                          f"at {settings.tracking_uri}")
    return parents[0]


# --- the parent run -------------------------------------------------------------------------


def describe_run(run: records.RunRecords | records.InputArtifacts, run_summary: summary.RunSummary,
                 data_config: Mapping[str, Any], info: Mapping[str, Any] | None, trials: int, span: Span) -> str:
    """The parent run's description (Markdown): what the pipeline run made, from its data to its push."""
    components = run_summary.components
    cached = sum(c.state == "CACHED" for c in components)
    head = f"Pipeline run `{run.run_id}` of `{run.pipeline_name}`"
    if components:
        head += f": {len(components)} components, {cached} from cache"
    if None not in span:
        seconds = (span[1] - span[0]) / 1000
        head += f", {seconds / 60:.1f} min" if seconds >= 60 else f", {seconds:.1f} s"
    splits = data_config.get("splits")
    data = (f"{data_config['num_examples']:,} generated examples (seed {data_config['seed']}, grammar catalogue "
            f"{data_config['catalogue_version']}" + (", splits " + ":".join(f"{k} {v}" for k, v in splits.items())
                                                     if splits else "") + ")")
    lines = [f"{head}.", "", f"- Data: {data}."]
    if trials:
        lines.append(f"- Tuner: {_count(trials, 'trial')}" + (f"; chose {_sizes(info)}." if info else "."))
    if info is not None:
        epochs = info["training_config"].get("epochs")
        lines.append(f"- Trainer: {_sizes(info)}, {info['parameters']:,} parameters"
                     + (f", at most {_count(epochs, 'epoch')}." if epochs else "."))
    if run_summary.exact_match is not None:
        languages = ", ".join(f"{lang.language} {lang.exact_match:.4f}" for lang in run_summary.languages)
        verdict = "blessed" if run_summary.blessed else "not blessed"
        if not run_summary.blessed and run_summary.gate_failures:
            verdict += " (" + "; ".join(run_summary.gate_failures) + ")"
        lines.append(f"- Evaluator: exact match {run_summary.exact_match:.4f} on {run_summary.examples:,} test "
                     f"examples" + (f" (by language: {languages})" if languages else "") + f"; {verdict}.")
    lines.append(f"- Pushed to `{run_summary.pushed_to}`." if run_summary.pushed_to else "- Not pushed.")
    return "\n".join(lines)


def report_run(settings: TrackingSettings, run: records.RunRecords | records.InputArtifacts,
               run_summary: summary.RunSummary, data_config: Mapping[str, Any], thresholds: Mapping[str, float],
               trial_epochs: int | None, metadata_uri: str) -> str:
    """Records one pipeline run in MLflow; returns the parent run's id (also stored in ML Metadata).

    The parent run starts when the pipeline's first component started and ends when its last one ended (as
    ML Metadata recorded them; a run reported from inside the pipeline, on Kubeflow, has no such record and
    starts when it is reported); each nested run spans its component. Its source is the program that ran the
    pipeline (MLflow's own run context: the script, its git commit), its description says what the run made,
    and the generated examples are its dataset input (reporting/datasets.py).
    """
    client = MlflowClient(settings.tracking_uri)
    span = records.run_span_ms(run_summary.components) or NO_SPAN
    spans = {c.node_id: (c.started_ms, c.ended_ms) for c in run_summary.components}
    info, dataset = model_info(run), datasets.examples_dataset(run)
    parent = client.create_run(experiment_id(settings), start_time=span[0],
                               run_name=f"{run.pipeline_name} {run.run_id}", tags={
        **run_context.resolve_tags(),  # user, source name and type, git commit: as mlflow.start_run records
        "tfx.pipeline_name": run.pipeline_name,
        PIPELINE_RUN_TAG: run.run_id,
        "mlmd.pipeline_run_context_id": str(run.context.id) if run.context else "",
        "mlmd.store": metadata_uri,
        "cached_components": ",".join(c.node_id for c in run_summary.components if c.state == "CACHED"),
    })
    run_id = parent.info.run_id
    _log_params(client, parent, {**data_config, **thresholds})
    _log_metrics(client, run_id, [(f"seconds.{c.node_id}", c.seconds, 0) for c in run_summary.components])
    if dataset is not None:
        client.log_inputs(run_id, [datasets.dataset_input(dataset, "generated")])
    with tempfile.TemporaryDirectory() as workdir:
        trials = log_trials(client, parent, run, trial_epochs, workdir,
                            chosen={k: info[k] for k in ("n_a", "n_s")} if info else None)
        log_training(client, parent, run, data_config, workdir, spans.get("Trainer", NO_SPAN), dataset)
        log_evaluation(client, parent, run_summary, thresholds, workdir, spans.get("Evaluator", NO_SPAN), dataset)
    client.set_tag(run_id, mlflow_tags.MLFLOW_RUN_NOTE,
                   describe_run(run, run_summary, data_config, info, trials, span))
    if run_summary.exact_match is not None:
        _log_metrics(client, run_id, [("exact_match", run_summary.exact_match, 0),
                                      *[(language_metric(lang.language), lang.exact_match, 0)
                                        for lang in run_summary.languages]])
    client.set_tag(run_id, "blessed", str(bool(run_summary.blessed)).lower())
    if run_summary.pushed_to:
        register_pushed_model(client, parent, settings, run_summary.pushed_to)
    client.set_terminated(run_id, end_time=span[1])
    link_in_metadata(run, run_id)
    return run_id


def report_failure(settings: TrackingSettings, pipeline_name: str, run_id: str | None, error: BaseException) -> str:
    """A FAILED parent run for a pipeline run that raised, so failures are reviewed too; returns its id."""
    client = MlflowClient(settings.tracking_uri)
    parent = client.create_run(experiment_id(settings), run_name=f"{pipeline_name} {run_id or ''} (failed)",
                               tags={"tfx.pipeline_name": pipeline_name, PIPELINE_RUN_TAG: run_id or "",
                                     "error": f"{type(error).__name__}: {error}"[:5000]})
    client.set_terminated(parent.info.run_id, status="FAILED")
    return parent.info.run_id


def link_in_metadata(run: records.RunRecords, mlflow_run_id: str) -> None:
    """Writes the MLflow run id onto the ML Metadata pipeline_run context: artifact -> run -> MLflow."""
    context = run.context
    if context is None:  # reported from inside a component (Kubeflow): the run is found by its tags
        return
    context.custom_properties[MLFLOW_RUN_PROPERTY].string_value = mlflow_run_id
    run.store.put_contexts([context])


def _child(client: MlflowClient, parent, name: str, kind: str, span: Span, description: str):
    """A nested run of `parent`, with its source, starting at `span`'s start (None: now)."""
    inherited = {k: v for k, v in parent.data.tags.items()
                 if k.startswith("mlflow.source.") or k in (mlflow_tags.MLFLOW_USER, PIPELINE_RUN_TAG)}
    return client.create_run(parent.info.experiment_id, start_time=span[0], run_name=name, tags={
        **inherited, mlflow_tags.MLFLOW_PARENT_RUN_ID: parent.info.run_id, "datenmt.kind": kind,
        mlflow_tags.MLFLOW_RUN_NOTE: description})


def _log_metrics(client: MlflowClient, run_id: str, metrics: list[tuple[str, float, int]]) -> None:
    """Logs (key, value, step) triples in batches: one request per 1,000 metrics, MLflow's limit."""
    now = int(time.time() * 1000)
    entities = [mlflow.entities.Metric(key, float(value), now, step) for key, value, step in metrics]
    for start in range(0, len(entities), MAX_METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=entities[start:start + MAX_METRICS_PER_BATCH])


def _log_params(client: MlflowClient, run, params: Mapping[str, Any]) -> None:
    client.log_batch(run.info.run_id, params=[
        mlflow.entities.Param(k, json.dumps(v) if isinstance(v, (dict, list)) else str(v))
        for k, v in params.items()])
