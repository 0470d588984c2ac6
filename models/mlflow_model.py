"""The pushed SavedModel as an MLflow Model: the pyfunc flavor, a signature and an input example.

`mlflow.pyfunc.load_model("models:/datenmt-date-normaliser/<version>")` (or `mlflow models serve -m ...`)
gives a model whose `predict` takes a DataFrame and returns one row per input, in input order:

| column | type | |
|---|---|---|
| `human` (input) | string | what a person wrote |
| `day_first` (input, optional) | boolean | the row's preference: read ambiguous numeric dates day first |
| `iso` | string | the ISO date, `""` when there is none |
| `is_date` | boolean | the model read one complete, real calendar date |
| `confidence` | double | the model's confidence; 0.0 when the input could not be read (see `error`) |
| `ambiguous` | boolean | the other day-month preference gives another real date |
| `uncertain` | boolean | a date not to be trusted: confidence below the calibrated 0.9, or a flag |
| `flags` | string | what is wrong with a date answer, comma-separated: `weekday_conflict`, `unknown_words` |
| `warnings` | string | the flags in words ("the text names Friday, but 1905-03-11 is a Saturday"), `; `-separated |
| `reason` | string | why there is no date: the refusal and its reason, or the input error; `""` for a date |
| `error` | string | why the input could not be read (empty, too long, unknown characters); `""` otherwise |

The preference, in order of precedence: a row's own `day_first` value, else the `day_first` parameter
(`params={"day_first": True}`; in a REST call `"params": {"day_first": true}`), else false (month first,
the en_US reading), as in the SavedModel and `datenmt translate`.

The model holds the SavedModel as an artifact (`saved_model/`) and reads it with `models.saved_model.DateNormaliser`
(TensorFlow only: the Transform graph is embedded). The code it needs travels with it (`code/`: this module,
`models.saved_model`, `models.features`, `data_gen.text`, with an empty `data_gen` package around the latter
so the generator's own dependencies are not needed), and its requirements are pinned to the installed
versions (the ones `constraints.txt` pins).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import Model, ModelSignature
from mlflow.models.model import ModelInfo
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

SAVED_MODEL_ARTIFACT = "saved_model"
MODEL_NAME = "model"  # the logged model's name
BATCH_SIZE = 1024
OUTPUT_COLUMNS = ("iso", "is_date", "confidence", "ambiguous", "uncertain", "flags", "warnings", "reason",
                  "error")
REQUIREMENTS = ("mlflow", "tensorflow", "numpy", "pandas")
# The project's files the model imports when it is loaded, relative to the project root.
SERVING_CODE = ("models/__init__.py", "models/features.py", "models/saved_model.py", "models/mlflow_model.py",
                "data_gen/text.py")
_EMPTY_DATA_GEN = '"""The part of data_gen that serving needs (data_gen.text), without the generator."""\n'

SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "human"), ColSpec("boolean", "day_first", required=False)]),
    outputs=Schema([ColSpec("string", "iso"), ColSpec("boolean", "is_date"), ColSpec("double", "confidence"),
                    ColSpec("boolean", "ambiguous"), ColSpec("boolean", "uncertain"), ColSpec("string", "flags"),
                    ColSpec("string", "warnings"), ColSpec("string", "reason"), ColSpec("string", "error")]),
    params=ParamSchema([ParamSpec("day_first", "boolean", False)]),
)
INPUT_EXAMPLE = pd.DataFrame({"human": ["3 may 1979", "tuesday april 5 2001", "04/03/2009", "june 2009"],
                              "day_first": [False, False, True, False]})


class DateNormaliserModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper of the SavedModel (artifact `saved_model`), read through DateNormaliser."""

    def load_context(self, context) -> None:
        from models.saved_model import DateNormaliser, use_one_thread_per_op

        use_one_thread_per_op()  # a batch per core (in a fresh server process: TensorFlow runs no op before)
        self.normaliser = DateNormaliser(context.artifacts[SAVED_MODEL_ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return predict_frame(self.normaliser, model_input, (params or {}).get("day_first"))


def _preferences(model_input: pd.DataFrame, default: Any) -> list[bool]:
    """Each row's preference: its own `day_first` when given, else `default`, else False."""
    fallback = bool(default) if default is not None else False
    if "day_first" not in model_input.columns:
        return [fallback] * len(model_input)
    return [fallback if value is None or pd.isna(value) else bool(value) for value in model_input["day_first"]]


def predict_frame(normaliser, model_input: pd.DataFrame, day_first: Any = None) -> pd.DataFrame:
    """The output frame (OUTPUT_COLUMNS, in input order) for a frame with a `human` column."""
    if "human" not in model_input.columns:
        raise ValueError(f"the input needs a 'human' column (strings); got columns {list(model_input.columns)}")
    texts = ["" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
             for text in model_input["human"]]
    preferences = _preferences(model_input, day_first)
    rows: list[dict[str, Any] | None] = [None] * len(texts)
    for preference in (False, True):  # at most two passes: one per preference
        indices = [i for i, p in enumerate(preferences) if p == preference]
        if not indices:
            continue
        translations = normaliser.translate((texts[i] for i in indices), BATCH_SIZE, day_first=preference)
        for i, t in zip(indices, translations, strict=True):
            rows[i] = {"iso": t.iso or "", "is_date": bool(t.is_date), "confidence": float(t.confidence or 0.0),
                       "ambiguous": bool(t.ambiguous), "uncertain": bool(t.uncertain), "flags": ",".join(t.flags),
                       "warnings": "; ".join(t.warnings()) if t.is_date else "", "reason": t.reason or "",
                       "error": t.error or ""}
    return pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS)).astype(
        {"iso": str, "is_date": bool, "confidence": float, "ambiguous": bool, "uncertain": bool, "flags": str,
         "warnings": str, "reason": str, "error": str})


def pip_requirements() -> list[str]:
    """The model's requirements, pinned to the installed versions."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in REQUIREMENTS]


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@contextlib.contextmanager
def _serving_code() -> Iterator[list[str]]:
    """The `models` and `data_gen` packages the model imports, as a temporary copy holding only SERVING_CODE."""
    root = _project_root()
    with tempfile.TemporaryDirectory(prefix="datenmt_code_") as code:
        for relative in SERVING_CODE:
            os.makedirs(os.path.dirname(os.path.join(code, relative)), exist_ok=True)
            shutil.copyfile(os.path.join(root, relative), os.path.join(code, relative))
        with open(os.path.join(code, "data_gen", "__init__.py"), "w") as f:
            f.write(_EMPTY_DATA_GEN)
        yield [os.path.join(code, package) for package in ("models", "data_gen")]


@contextlib.contextmanager
def use_tracking_uri(uri: str) -> Iterator[None]:
    """Points MLflow's fluent API at `uri` for a while, then restores it. `Model.log` logs through it, and a
    SQL model registry resolves a `models:/<model id>` source through it, whatever the client's own URI."""
    saved = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    saved_env = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved)
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


def log_model(tracking_uri: str, run_id: str, model_dir: str, name: str = MODEL_NAME) -> ModelInfo:
    """Logs the SavedModel in `model_dir` as an MLflow Model (pyfunc) of run `run_id`, in the run's experiment
    and with its parameters; returns its ModelInfo (`model_uri` is `models:/<model id>`: the source of a
    registered version, with `model_id`)."""
    client = mlflow.MlflowClient(tracking_uri)
    run = client.get_run(run_id)
    # Created here rather than by Model.log, which would put it in the fluent API's active experiment.
    logged = client.create_logged_model(run.info.experiment_id, name=name, source_run_id=run_id,
                                        params=dict(run.data.params))
    with use_tracking_uri(tracking_uri), _serving_code() as code_paths:
        return Model.log(
            artifact_path=None, name=name, flavor=mlflow.pyfunc, run_id=run_id, model_id=logged.model_id,
            python_model=DateNormaliserModel(), artifacts={SAVED_MODEL_ARTIFACT: model_dir}, code_paths=code_paths,
            signature=SIGNATURE, input_example=(INPUT_EXAMPLE, {"day_first": False}),
            pip_requirements=pip_requirements())
