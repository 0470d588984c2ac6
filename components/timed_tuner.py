"""TFX's Tuner, also recording every trial (status, score, hyperparameters, duration) as `trials.json`."""

from __future__ import annotations

import json
import os
from typing import Any, Union

from tfx import types
from tfx.components.tuner import component as tuner_component
from tfx.components.tuner import executor as tuner_executor
from tfx.dsl.components.base import executor_spec
from tfx.orchestration import data_types
from tfx.types import artifact_utils, standard_component_specs
from tfx.utils import io_utils

TRIALS_FILE = "trials.json"


def trial_records(tuner) -> list[dict[str, Any]]:
    """One record per trial, in trial order; `seconds` where the tuner timed it (TimedRandomSearch)."""
    seconds = getattr(tuner, "trial_seconds", {})
    return [{
        "trial_id": t.trial_id,
        "status": str(t.status),
        "score": t.score,
        "hyperparameters": dict(t.hyperparameters.values),
        "seconds": seconds.get(t.trial_id),
    } for t in sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)]


class Executor(tuner_executor.Executor):
    """The stock executor's search and outputs, plus `trials.json` beside the tuner results."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        if tuner_executor.get_tune_args(exec_properties):
            raise ValueError("TuneArgs (distributed tuning) is not supported by this executor.")
        tuner = tuner_executor.search(input_dict, exec_properties, self._get_tmp_dir())
        tuner_executor.write_best_hyperparameters(tuner, output_dict)
        results_dir = artifact_utils.get_single_uri(output_dict[standard_component_specs.TUNER_RESULTS_KEY])
        io_utils.write_string_file(os.path.join(results_dir, TRIALS_FILE),
                                   json.dumps(trial_records(tuner), indent=1))


class TimedTuner(tuner_component.Tuner):
    """tfx.components.Tuner whose `tuner_results` output also holds `trials.json`.

    Its custom_config may also be a RuntimeParameter (a JSON string), as the Trainer's may.
    """

    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, custom_config: Union[dict[str, Any], data_types.RuntimeParameter, None] = None,
                 **kwargs):
        runtime = isinstance(custom_config, data_types.RuntimeParameter)
        super().__init__(custom_config=None if runtime else custom_config, **kwargs)
        if runtime:
            self.exec_properties[standard_component_specs.CUSTOM_CONFIG_KEY] = custom_config
