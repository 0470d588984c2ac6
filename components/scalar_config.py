"""Scalar execution parameters merged into a stock component's `custom_config`.

TFX's stock Trainer and Tuner take their module's settings only as one `custom_config` dict, which
Kubeflow can set only as a whole JSON string. The components here declare each setting as its own
scalar execution parameter instead (a scalar pipeline parameter on Kubeflow) and merge them into
`custom_config` just before the stock executor runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tfx.types import component_spec, standard_component_specs
from tfx.utils import json_utils


def scalar_parameters(types: Mapping[str, type]) -> dict[str, component_spec.ExecutionParameter]:
    """One required ExecutionParameter per (name, type)."""
    return {name: component_spec.ExecutionParameter(type=kind) for name, kind in types.items()}


def with_scalars_in_custom_config(exec_properties: Mapping[str, Any], names: Mapping[str, type]) -> dict[str, Any]:
    """A copy of `exec_properties` whose custom_config (a JSON string) also holds the named scalars."""
    custom = json_utils.loads(exec_properties.get(standard_component_specs.CUSTOM_CONFIG_KEY) or "null") or {}
    custom.update({name: kind(exec_properties[name]) for name, kind in names.items()})
    return {**exec_properties, standard_component_specs.CUSTOM_CONFIG_KEY: json_utils.dumps(custom)}
