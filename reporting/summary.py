"""The short summary the main job ends with: exact match, worst formats, blessed or not, where it was pushed."""

from __future__ import annotations

import dataclasses

import tensorflow_model_analysis as tfma

from models.metrics import EXACT_MATCH
from reporting import records

WORST_FORMATS_SHOWN = 3


@dataclasses.dataclass(frozen=True)
class FormatResult:
    format: str
    exact_match: float
    examples: int


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
        for f in self.formats[:WORST_FORMATS_SHOWN]:
            out.append(f"  worst: {f.format:<24} {f.exact_match:.4f} ({f.examples} examples)")
        out.append("blessed" if self.blessed
                   else "NOT blessed: below the accuracy threshold or the serving model's exact match")
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


def summarize(run: records.RunRecords) -> RunSummary:
    """What a run evaluated, blessed and pushed."""
    evaluation = run.artifact("ModelEvaluation")
    blessing = run.artifact("ModelBlessing")
    pushed = run.artifact("PushedModel")
    exact_match, examples, formats = None, 0, []
    if evaluation is not None:
        by_slice = exact_match_by_slice(evaluation.uri)
        exact_match, examples = by_slice.get((), (None, 0))
        formats = sorted(
            (FormatResult(key[0][1], value, count) for key, (value, count) in by_slice.items() if key),
            key=lambda f: (f.exact_match, f.format))
    pushed_to = None
    if pushed is not None and records.custom_value(pushed, "pushed") == 1:
        pushed_to = records.custom_value(pushed, "pushed_destination")
    return RunSummary(
        run_id=run.run_id, exact_match=exact_match, examples=examples, formats=formats,
        blessed=None if blessing is None else records.custom_value(blessing, "blessed") == 1,
        pushed_to=pushed_to, components=run.components())
