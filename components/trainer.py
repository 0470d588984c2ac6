"""Trainer: TFX's Trainer (GenericExecutor, run_fn) whose training settings are scalar parameters."""

from __future__ import annotations

from typing import Any

from tfx import types
from tfx.components.trainer import executor as trainer_executor
from tfx.dsl.components.base import base_component, executor_spec
from tfx.orchestration import data_types
from tfx.proto import trainer_pb2
from tfx.types import standard_artifacts, standard_component_specs

from components.scalar_config import scalar_parameters, with_scalars_in_custom_config

# models.training.TrainingConfig fields a pipeline sets per run.
TRAINING_PARAMETERS = {"epochs": int, "batch_size": int, "patience": int, "seed": int}
IntParameter = int | data_types.RuntimeParameter


class TrainerSpec(standard_component_specs.TrainerSpec):
    PARAMETERS = {**standard_component_specs.TrainerSpec.PARAMETERS, **scalar_parameters(TRAINING_PARAMETERS)}


class Executor(trainer_executor.GenericExecutor):
    """The stock executor, with the scalar settings merged into custom_config."""

    def Do(self, input_dict: dict[str, list[types.Artifact]], output_dict: dict[str, list[types.Artifact]],
           exec_properties: dict[str, Any]) -> None:
        super().Do(input_dict, output_dict, with_scalars_in_custom_config(exec_properties, TRAINING_PARAMETERS))


class Trainer(base_component.BaseComponent):
    """Trains with `run_fn`; outputs `model` and `model_run` like tfx.components.Trainer."""

    SPEC_CLASS = TrainerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(Executor)

    def __init__(self, *, examples: types.BaseChannel, transform_graph: types.BaseChannel,
                 schema: types.BaseChannel, run_fn: str, train_args: trainer_pb2.TrainArgs,
                 eval_args: trainer_pb2.EvalArgs, epochs: IntParameter, batch_size: IntParameter,
                 patience: IntParameter, seed: IntParameter, hyperparameters: types.BaseChannel | None = None):
        super().__init__(spec=TrainerSpec(
            examples=examples, transform_graph=transform_graph, schema=schema, hyperparameters=hyperparameters,
            run_fn=run_fn, train_args=train_args, eval_args=eval_args,
            epochs=epochs, batch_size=batch_size, patience=patience, seed=seed,
            model=types.Channel(type=standard_artifacts.Model),
            model_run=types.Channel(type=standard_artifacts.ModelRun)))
