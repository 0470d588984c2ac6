"""The short summary the main job ends with: exact match, per language, worst formats, blessed or not (and which
gated slice failed), where it was pushed."""

from __future__ import annotations

import dataclasses

import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.proto import validation_result_pb2

from data_gen.languages import LANGUAGE_NAMES
from models import features
from models.metrics import EXACT_MATCH
from reporting import records

WORST_FORMATS_SHOWN = 3


@dataclasses.dataclass(frozen=True)
class FormatResult:
    format: str
    exact_match: float
    examples: int


@dataclasses.dataclass(frozen=True)
class LanguageResult:
    language: str  # ISO 639-1 code
    exact_match: float
    examples: int

    @property
    def name(self) -> str:
        """The language's English name (the code itself for a language data_gen does not know)."""
        return LANGUAGE_NAMES.get(self.language, self.language)


@dataclasses.dataclass(frozen=True)
class RunSummary:
    run_id: str
    exact_match: float | None
    examples: int
    formats: list[FormatResult]  # worst first
    blessed: bool | None  # None: no Evaluator ran
    pushed_to: str | None
    components: list[records.ComponentRecord]
    mlflow_run: str | None = None  # where the run was recorded, if it was
    languages: list[LanguageResult] = dataclasses.field(default_factory=list)  # worst first
    formats_by_language: dict[str, list[FormatResult]] = dataclasses.field(default_factory=dict)  # worst first
    gate_failures: list[str] = dataclasses.field(default_factory=list)  # each gated slice that failed, and why

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"run {self.run_id}"]
        for c in self.components:
            out.append(f"  {c.node_id:<32} {c.state.lower():<9} {c.seconds:8.1f} s")
        if self.exact_match is None:
            out.append("no evaluation in this run")
        else:
            out += self._evaluation_lines()
        if self.mlflow_run:
            out.append(f"recorded in MLflow: {self.mlflow_run}")
        return out

    def _evaluation_lines(self) -> list[str]:
        out = []
        out.append(f"exact match {self.exact_match:.4f} on {self.examples} examples")
        for lang in self.languages:
            out.append(f"  {lang.language} {lang.name:<18} {lang.exact_match:.4f} ({lang.examples} examples)")
        for f in self.formats[:WORST_FORMATS_SHOWN]:
            out.append(f"  worst: {f.format:<24} {f.exact_match:.4f} ({f.examples} examples)")
        if self.blessed:
            out.append("blessed")
        elif self.gate_failures:
            out.append("NOT blessed: " + "; ".join(self.gate_failures))
        else:
            out.append("NOT blessed: below the accuracy threshold or the serving model's exact match")
        out.append(f"pushed to {self.pushed_to}" if self.pushed_to else "not pushed")
        return out


def exact_match_by_slice(evaluation_uri: str) -> dict[tuple, tuple[float, int]]:
    """slice key -> (exact match, example count) from an Evaluator output; () is overall."""
    result = tfma.load_eval_result(evaluation_uri)
    by_slice = {}
    for slice_key, metrics in result.slicing_metrics:
        values = metrics[""][""]
        by_slice[tuple(slice_key)] = (values[EXACT_MATCH]["doubleValue"],
                                      int(values["example_count"]["doubleValue"]))
    return by_slice


def _describe_slice(slice_key: tuple) -> str:
    """'overall', 'language fr (French)' or 'format word_dmy', ... for a slice key."""
    if not slice_key:
        return "overall"
    parts = []
    for column, value in slice_key:
        value = value.decode() if isinstance(value, bytes) else str(value)
        if column == features.LANGUAGE_KEY and value in LANGUAGE_NAMES:
            value = f"{value} ({LANGUAGE_NAMES[value]})"
        parts.append(f"{column} {value}")
    return ", ".join(parts)


def _describe_failure(failure: validation_result_pb2.ValidationFailure) -> str:
    value = failure.metric_value.double_value.value
    threshold = failure.metric_threshold
    if failure.metric_key.is_diff and threshold.HasField("change_threshold"):
        allowed = -threshold.change_threshold.absolute.value
        return f"exact match {value:+.4f} against the serving model's, a drop of more than {allowed:.4f}"
    if threshold.HasField("value_threshold") and failure.metric_value.HasField("double_value"):
        return f"exact match {value:.4f} below {threshold.value_threshold.lower_bound.value:.4f}"
    return failure.message.strip() or f"{failure.metric_key.name} failed its threshold"


def gate_failures(evaluation_uri: str) -> list[str]:
    """Why the Evaluator did not bless: each gated slice that failed (overall, a language) with its figure and
    threshold, and each gated slicing the data had no slice of; [] when the model was blessed."""
    result = tfma.load_validation_result(evaluation_uri)
    if result.validation_ok:
        return []
    found = []
    for per_slice in result.metric_validations_per_slice:
        where = _describe_slice(tfma.slicer.deserialize_slice_key(per_slice.slice_key))
        found += [f"{where}: {_describe_failure(f)}" for f in per_slice.failures]
    for spec in result.missing_slices:
        found.append(f"no slice by {', '.join(spec.feature_keys)} in the evaluated data")
    return found


def summarize(run: records.RunRecords) -> RunSummary:
    """What a run evaluated, blessed and pushed."""
    evaluation = run.artifact("ModelEvaluation")
    blessing = run.artifact("ModelBlessing")
    pushed = run.artifact("PushedModel")
    exact_match, examples, formats, languages, formats_by_language, failures = None, 0, [], [], {}, []
    if evaluation is not None:
        by_slice = exact_match_by_slice(evaluation.uri)
        exact_match, examples = by_slice.get((), (None, 0))
        formats, languages, formats_by_language = _by_language_and_format(by_slice)
    blessed = None if blessing is None else records.custom_value(blessing, "blessed") == 1
    if evaluation is not None and blessed is False:
        failures = gate_failures(evaluation.uri)
    pushed_to = None
    if pushed is not None and records.custom_value(pushed, "pushed") == 1:
        pushed_to = records.custom_value(pushed, "pushed_destination")
    return RunSummary(
        run_id=run.run_id, exact_match=exact_match, examples=examples, formats=formats,
        blessed=blessed, pushed_to=pushed_to, components=run.components(), languages=languages,
        formats_by_language=formats_by_language, gate_failures=failures)


def _by_language_and_format(by_slice: dict[tuple, tuple[float, int]]
                            ) -> tuple[list[FormatResult], list[LanguageResult], dict[str, list[FormatResult]]]:
    """The per-format, per-language and per-language-per-format results of the Evaluator's slices, each list
    worst first."""
    formats, languages, crossed = [], [], {}
    for key, (value, count) in by_slice.items():
        columns = dict(key)
        if set(columns) == {features.FORMAT_KEY}:
            formats.append(FormatResult(columns[features.FORMAT_KEY], value, count))
        elif set(columns) == {features.LANGUAGE_KEY}:
            languages.append(LanguageResult(columns[features.LANGUAGE_KEY], value, count))
        elif set(columns) == {features.LANGUAGE_KEY, features.FORMAT_KEY}:
            crossed.setdefault(columns[features.LANGUAGE_KEY], []).append(
                FormatResult(columns[features.FORMAT_KEY], value, count))
    formats.sort(key=lambda f: (f.exact_match, f.format))
    languages.sort(key=lambda lang: (lang.exact_match, lang.language))
    return formats, languages, {lang: sorted(fs, key=lambda f: (f.exact_match, f.format))
                                for lang, fs in sorted(crossed.items())}
