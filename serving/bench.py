"""Benchmark figures of the latest pushed model and the last run (`make bench`).

Prints whole-string exact match on the test split (overall and per format), training
throughput, inference throughput of the SavedModel on raw strings in batches of 1024,
and wall time per component; writes them as JSON and the per-format figure as PNG.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import statistics
import time

import tensorflow as tf

from models import features, saved_model, training
from pipeline import configs
from reporting import plots, records

INFERENCE_BATCH = configs.SERVING_BATCH_SIZE
MIN_INFERENCE_STRINGS = 50_000


def read_split(examples_uri: str, split: str) -> list[dict[str, str]]:
    """The raw (human, iso, format) rows of one split of an ExampleGen output."""
    files = tf.io.gfile.glob(os.path.join(examples_uri, f"Split-{split}", "*"))
    if not files:
        raise FileNotFoundError(f"no '{split}' split under {examples_uri}")
    rows = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP"):
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        rows.append({k: feature[k].bytes_list.value[0].decode("utf-8")
                     for k in (features.HUMAN_KEY, features.ISO_KEY, features.FORMAT_KEY)})
    return rows


def exact_match(normaliser: saved_model.DateNormaliser, rows: list[dict]) -> tuple[float, dict[str, float]]:
    """Overall and per-format whole-string exact match of the model on labelled rows."""
    hits = collections.Counter()
    totals = collections.Counter()
    translations = normaliser.translate((r[features.HUMAN_KEY] for r in rows), batch_size=INFERENCE_BATCH)
    for row, t in zip(rows, translations, strict=True):
        totals[row[features.FORMAT_KEY]] += 1
        hits[row[features.FORMAT_KEY]] += t.iso == row[features.ISO_KEY]
    return sum(hits.values()) / len(rows), {f: hits[f] / totals[f] for f in sorted(totals)}


def inference_throughput(normaliser: saved_model.DateNormaliser, texts: list[str]) -> float:
    """Strings per second through serving_default, batches of 1024 raw strings."""
    batches = [texts[i:i + INFERENCE_BATCH] for i in range(0, len(texts), INFERENCE_BATCH)]
    batches = [b for b in batches if len(b) == INFERENCE_BATCH] or batches
    normaliser.translate_batch(batches[0])  # warm-up: tracing and table initialisation
    done, start = 0, time.perf_counter()
    while done < MIN_INFERENCE_STRINGS:
        for batch in batches:
            normaliser.translate_batch(batch)
            done += len(batch)
    return done / (time.perf_counter() - start)


def training_throughput(run: records.RunRecords) -> float | None:
    """Median training examples per second over the Trainer's epochs after the first (no tracing)."""
    model_run = run.artifact("ModelRun", producer="Trainer")
    if model_run is None:
        return None
    with tf.io.gfile.GFile(os.path.join(model_run.uri, training.HISTORY_FILE)) as f:
        rates = json.load(f).get("train_examples_per_second", [])
    return statistics.median(rates[1:] or rates) if rates else None


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def main(args: argparse.Namespace) -> int:
    settings = configs.Settings(output_dir=args.output_dir, pipeline_name=args.pipeline_name)
    model_dir = saved_model.latest_model_dir(settings.serving_model_dir)
    store = records.open_sqlite_store(settings.metadata_path)
    run = records.latest_run(store, args.pipeline_name)
    examples = run.artifact("Examples", producer="SyntheticDateExampleGen")
    test_rows = read_split(examples.uri, "test")
    normaliser = saved_model.DateNormaliser(model_dir)

    overall, by_format = exact_match(normaliser, test_rows)
    figures = {
        "machine": machine(),
        "model": model_dir,
        "run": run.run_id,
        "test_examples": len(test_rows),
        "exact_match": overall,
        "exact_match_by_format": by_format,
        "training_examples_per_second": training_throughput(run),
        "inference_strings_per_second": inference_throughput(normaliser, [r["human"] for r in test_rows]),
        "component_seconds": {c.node_id: c.seconds for c in run.components()},
    }
    out_dir = os.path.join(args.output_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(figures, f, indent=1)
    plot = plots.exact_match_by_format(by_format, os.path.join(out_dir, "exact_match_by_format.png"))

    print(f"machine: {figures['machine']}")
    print(f"model: {model_dir} (run {run.run_id})")
    print(f"exact match on the test split: {overall:.4f} ({len(test_rows)} examples)")
    for name, value in sorted(by_format.items(), key=lambda kv: (kv[1], kv[0])):
        print(f"  {name:<26} {value:.4f}")
    rate = figures["training_examples_per_second"]
    print(f"training throughput: {rate:,.0f} examples/s" if rate else "training throughput: not recorded")
    print(f"inference throughput: {figures['inference_strings_per_second']:,.0f} strings/s "
          f"(serving_default, batches of {INFERENCE_BATCH})")
    print("wall time per component of the last run:")
    for c in run.components():
        print(f"  {c.node_id:<32} {c.seconds:8.1f} s  {c.state.lower()}")
    print(f"figures: {os.path.join(out_dir, 'bench.json')}, {plot}")
    return 0
