"""Figures: attention maps, training curves, per-format exact match and the Tuner's trials, written as PNG files."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path: str) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def attention_maps(maps: Sequence[tuple[str, np.ndarray, list[str], str]], path: str) -> str:
    """One heatmap per (input, weights (Ty, n), input characters, output): output against input characters."""
    columns = min(2, len(maps))
    rows = math.ceil(len(maps) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(7 * columns, 3.6 * rows), squeeze=False)
    for ax, (text, weights, chars, iso) in zip(axes.flat, maps, strict=False):  # more axes than maps
        ax.imshow(weights, cmap="viridis", aspect="auto", vmin=0, vmax=1)
        ax.set_xticks(range(len(chars)), [c if c != " " else "␣" for c in chars])
        ax.set_yticks(range(len(iso)), list(iso))
        ax.set_xlabel("input characters")
        ax.set_ylabel("output characters")
        ax.set_title(f"{text!r} -> {iso}", fontsize=10)
    for ax in list(axes.flat)[len(maps):]:
        ax.axis("off")
    return _save(fig, path)


def training_curves(history: Mapping[str, Sequence[float]], path: str) -> str:
    """Loss and accuracies per epoch, training against validation."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for key, ax in (("loss", loss_ax), ("char_accuracy", acc_ax), ("exact_match", acc_ax)):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + key in history:
                values = history[prefix + key]
                ax.plot(range(1, len(values) + 1), values, style, label=prefix + key)
    loss_ax.set_yscale("log")
    for ax, title in ((loss_ax, "loss"), (acc_ax, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.legend()
    return _save(fig, path)


def exact_match_by_format(results: Mapping[str, float], path: str) -> str:
    """Horizontal bars of exact match per format (or per language, or any slice: its name -> exact match), worst
    at the top."""
    ordered = sorted(results.items(), key=lambda kv: kv[1], reverse=True)
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(ordered) + 1.2))
    ax.barh([k for k, _ in ordered], [v for _, v in ordered])
    low = min((v for _, v in ordered), default=1.0)
    ax.set_xlim(max(0.0, low - 0.01), 1.0)
    ax.set_xlabel("whole-string exact match")
    return _save(fig, path)


@dataclasses.dataclass(frozen=True)
class TrialPoint:
    """One Tuner trial in a size plot."""

    parameters: int
    score: float  # validation exact match
    label: str  # "n_a/n_s"
    chosen: bool = False


LABEL_LINE = 10  # points between the labels of trials stacked one above the other
LABEL_SPAN = 0.15  # decades of model size a trial's label covers on the size axis (about 8 characters)


def label_offsets(points: Sequence[TrialPoint]) -> list[tuple[int, int]]:
    """Each point's label offset (points right, points up): a label that would run into an earlier one (a trial
    at the same score less than LABEL_SPAN to its left or right, such as a Hyperband trial and its continuation
    that did not improve) goes one line above it."""
    offsets = []
    for i, p in enumerate(points):
        below = sum(1 for q in points[:i] if round(q.score, 3) == round(p.score, 3)
                    and abs(math.log10(q.parameters / p.parameters)) < LABEL_SPAN)
        offsets.append((5, 4 + LABEL_LINE * below))
    return offsets


def trial_sizes(points: Sequence[TrialPoint], path: str) -> str:
    """Each trial's model size (parameters, log scale) against its validation exact match, labelled, the chosen
    trial ringed."""
    if not points:
        raise ValueError("no trials to plot")
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter([p.parameters for p in points], [p.score for p in points], s=30, zorder=2, label="trial")
    for p, offset in zip(points, label_offsets(points), strict=True):
        ax.annotate(p.label, (p.parameters, p.score), xytext=offset, textcoords="offset points", fontsize=8)
    for p in (p for p in points if p.chosen):
        ax.scatter([p.parameters], [p.score], s=220, facecolors="none", edgecolors="tab:red", linewidths=2,
                   zorder=3, label=f"chosen: {p.label}")
    ax.set_xscale("log")
    ax.margins(0.1)  # room for the labels
    ax.set_xlabel("model size (parameters, log scale)")
    ax.set_ylabel("validation exact match")
    ax.set_title(f"Tuner trials (n_a/n_s): {len(points)} scored")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="best")
    return _save(fig, path)
