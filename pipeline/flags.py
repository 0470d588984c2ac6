"""Command-line flags derived from `configs.Settings`: one flag per setting, its name, default, help and check.

Kept free of TFX and MLflow imports, so every `datenmt` command (not only `run`) starts quickly. The local
main job takes every setting; `python -m kubeflow submit|schedule` takes the Kubeflow pipeline parameters
with the same names and checks (unset ones keep the compiled defaults).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from pipeline import configs

# Flags whose spelling differs from the field name (the rest: --field-name).
_FLAG_NAMES = {"beam_args": "--beam-arg"}


def _argument_type(convert: Callable[[str], Any], check: Callable[[Any], str | None]) -> Callable[[str], Any]:
    """An argparse `type` that converts the text, then refuses the value with the check's message."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid value {text!r}") from None
        problem = check(value)
        if problem:
            raise argparse.ArgumentTypeError(f"{problem}, got {text}")
        return value

    return parse


positive_int = _argument_type(int, configs.positive)  # an argparse `type` for a positive whole number


def flag_name(name: str) -> str:
    return _FLAG_NAMES.get(name, "--" + name.replace("_", "-"))


def _parser_of(name: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse `type` that converts and applies the setting's check (Beam options are checked one by one)."""
    if name == "beam_args":
        return _argument_type(convert, lambda value: configs.check_value(name, (value,)))
    return _argument_type(convert, lambda value: configs.check_value(name, value))


def _add(parser: argparse._ActionsContainer, field: dataclasses.Field, default: Any) -> None:
    name, help_text = field.name, field.metadata["help"]
    kind = type(field.default) if field.default not in (dataclasses.MISSING, None) else str
    if kind is bool:
        parser.add_argument(flag_name(name), dest=name, action=argparse.BooleanOptionalAction, default=default,
                            help=help_text)
    elif name == "beam_args":
        parser.add_argument(flag_name(name), dest=name, action="append", metavar="ARG", default=None,
                            type=_parser_of(name, str),
                            help=f"{help_text} (repeatable; replaces the default "
                                 f"{' '.join(configs.Settings.beam_args)})")
    else:
        shown = "" if default is None else f" (default {default})"
        parser.add_argument(flag_name(name), dest=name, type=_parser_of(name, kind), default=default,
                            metavar=name.upper(), help=help_text + shown)


def add_settings_arguments(parser: argparse._ActionsContainer, names: Iterable[str] | None = None,
                           with_defaults: bool = True) -> argparse._ActionsContainer:
    """Adds a flag for each setting in `names` (default: all); without defaults, unset flags are None."""
    defaults = configs.Settings() if with_defaults else None
    for name in (list(names) if names is not None else list(configs.FIELDS)):
        _add(parser, configs.FIELDS[name], getattr(defaults, name) if defaults else None)
    return parser


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> configs.Settings:
    """The Settings the parsed flags describe (every flag of add_settings_arguments set)."""
    values = {name: getattr(args, name) for name in configs.FIELDS if hasattr(args, name)}
    if values.get("beam_args") is None:
        values.pop("beam_args", None)
    else:
        values["beam_args"] = tuple(values["beam_args"])
    return configs.Settings(**{**values, **overrides})


def build_parser(description: str, runner: str = "local") -> argparse.ArgumentParser:
    """The main job's parser: every setting, with `runner` as the default orchestrator."""
    parser = add_settings_arguments(argparse.ArgumentParser(description=description))
    parser.set_defaults(runner=runner)
    return parser
