"""TimedTuner: TFX's Tuner with scalar search settings, also recording every trial as `trials.json`."""

from __future__ import annotations

import json
import os
from typing import Any

from tfx import types
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.proto import trainer_pb2
from tfx.types import artifact_utils, standard_artifacts, standard_component_specs
from tfx.utils import io_utils

from components.scalar_config import scalar_parameters, with_scalars_in_custom_config
from models import tuning

# What a pipeline sets per run: the trial budget and each trial's training settings.
TUNING_PARAMETERS = {"max_trials": int, "epochs": int, "trial_examples": int, "batch_size": int, "seed": int}
IntParameter = int | data_types.RuntimeParameter


class TimedTunerSpec(standard_component_specs.TunerSpec):
    PARAMETERS = {**standard_component_specs.TunerSpec.PARAMETERS, **scalar_parameters(TUNING_PARAMETERS)}


class Executor(tuner_executor.Executor):
    """The stock executor's search and outputs, plus `trials.json` beside the tuner results."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        exec_properties = with_scalars_in_custom_config(exec_properties, TUNING_PARAMETERS)
        if tuner_executor.get_tune_args(exec_properties):
            raise ValueError("TuneArgs (distributed tuning) is not supported by this executor.")
        # The trials print one line each (models.tuning); keras-tuner's summaries would be console noise.
        tuner = tuner_executor.search(input_dict, exec_properties, self._get_tmp_dir(), print_tuning_summary=False)
        tuner_executor.write_best_hyperparameters(tuner, output_dict)
        results_dir = artifact_utils.get_single_uri(output_dict[standard_component_specs.TUNER_RESULTS_KEY])
        io_utils.write_string_file(os.path.join(results_dir, tuning.TRIALS_FILE),
                                   json.dumps(tuning.trial_records(tuner), indent=1))


class TimedTuner(base_component.BaseComponent):
    """Searches with `tuner_fn`; outputs `best_hyperparameters` and `tuner_results` (with `trials.json`)."""

    SPEC_CLASS = TimedTunerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, examples: types.BaseChannel, transform_graph: types.BaseChannel,
                 schema: types.BaseChannel, tuner_fn: str, train_args: trainer_pb2.TrainArgs,
                 eval_args: trainer_pb2.EvalArgs, max_trials: IntParameter, epochs: IntParameter,
                 trial_examples: IntParameter, batch_size: IntParameter, seed: IntParameter,
                 base_model: types.BaseChannel | None = None):
        super().__init__(spec=TimedTunerSpec(
            examples=examples, transform_graph=transform_graph, schema=schema, base_model=base_model,
            tuner_fn=tuner_fn, train_args=train_args, eval_args=eval_args,
            max_trials=max_trials, epochs=epochs, trial_examples=trial_examples, batch_size=batch_size, seed=seed,
            best_hyperparameters=types.Channel(type=standard_artifacts.HyperParameters),
            tuner_results=types.Channel(type=standard_artifacts.TunerResults)))
