"""Benchmark figures of the latest pushed model and the last run (`make bench`).

Prints whole-string exact match on the test split (overall and per format); the Trainer's examples/s and the
inference throughput of the SavedModel on raw strings (as `datenmt translate` sends them), each with the
GFLOP/s it means (FLOPs counted from the model's layer sizes) beside the rate of a float32 matmul measured in
the same run; wall time per component; and the hand-written benchmark (benchmarks/handwritten.tsv): the
model, python-dateutil and dateparser side by side on the same strings in the same run (exact match per
category and language, refusals, plain answers to non-dates, plain wrong answers where a refusal or a flag is
right, strings/s), with serving_default called as a TF Serving client calls it timed in the same rounds; and
what a speed ratio to dateutil would need of this machine, against one serving_default call taken apart
(serving/limits.py).
Writes them as JSON, the tables as Markdown (docs/benchmark-results.md unless told otherwise; the tables
themselves are made in serving/bench_report.py), the per-format figure as PNG and every parser's answer per
hand-written line as TSV.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import json
import os
import platform
import statistics
import time

import tensorflow as tf

from data_gen.text import normalize
from models import calibration, features, saved_model, training
from models.cost import ModelSizes, multiply_adds
from pipeline import configs
from reporting import plots, records
from serving import baselines, bench_report, limits
from serving.bench_report import Row, Table, cell, rate

INFERENCE_BATCH = configs.SERVING_BATCH_SIZE
MIN_INFERENCE_STRINGS = 50_000
REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDWRITTEN_FILE = os.path.join(REPOSITORY, "benchmarks", "handwritten.tsv")
RESULTS_FILE = os.path.join(REPOSITORY, "docs", "benchmark-results.md")  # what `make bench` writes
MATMUL_SIZE = 2048  # the square float32 matmul that measures what this machine's TensorFlow can reach
TRAINING_PASSES = 3  # a training step's matrix products: the forward pass's, and twice as many backward
SPLIT_READ_BATCH = 8192


def read_split(examples_uri: str, split: str) -> list[dict]:
    """The raw rows of one split of an ExampleGen output: human, iso ("" = not a date) and format strings,
    and the day_first preference (False where the examples have none)."""
    rows = []
    for record in tf.data.TFRecordDataset(split_files(examples_uri, split), compression_type="GZIP"):
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        row = {k: feature[k].bytes_list.value[0].decode("utf-8")
               for k in (features.HUMAN_KEY, features.ISO_KEY, features.FORMAT_KEY)}
        day_first = feature[features.DAY_FIRST_KEY].int64_list.value if features.DAY_FIRST_KEY in feature else []
        row[features.DAY_FIRST_KEY] = bool(day_first and day_first[0])
        rows.append(row)
    return rows


def split_files(examples_uri: str, split: str) -> list[str]:
    files = tf.io.gfile.glob(os.path.join(examples_uri, f"Split-{split}", "*"))
    if not files:
        raise FileNotFoundError(f"no '{split}' split under {examples_uri}")
    return files


def as_lines(rows: list[dict]) -> list[baselines.Line]:
    """Rows of a split as labelled lines, their family as the category."""
    return [baselines.Line(r[features.HUMAN_KEY], r[features.ISO_KEY], r[features.DAY_FIRST_KEY],
                           r[features.FORMAT_KEY]) for r in rows]


def exact_match(normaliser: saved_model.DateNormaliser,
                lines: list[baselines.Line]) -> tuple[float, dict[str, float]]:
    """Overall and per-format whole-string exact match of the model on labelled lines, each read with its own
    day_first preference; a refusal counts as the answer "" (not a date), as in the Evaluator."""
    answered = baselines.answers(baselines.ModelParser(normaliser, INFERENCE_BATCH), lines)
    hits = collections.Counter()
    totals = collections.Counter()
    for line, answer in zip(lines, answered, strict=True):
        totals[line.category] += 1
        hits[line.category] += (answer or "") == line.expected
    return sum(hits.values()) / len(lines), {f: hits[f] / totals[f] for f in sorted(totals)}


def confident_answers(normaliser: saved_model.DateNormaliser, lines: list[baselines.Line]) -> dict:
    """The model's date answers with confidence >= calibration.CONFIDENT on labelled lines: how many, and the share that
    are right (a date answer to a non-date is wrong)."""
    confident = right = 0
    for day_first, indices in baselines.by_preference(lines):
        texts = [lines[i].input for i in indices]
        for i, t in zip(indices, normaliser.translate(texts, INFERENCE_BATCH, day_first), strict=True):
            if t.is_date and t.confidence >= calibration.CONFIDENT:
                confident += 1
                right += t.iso == lines[i].expected
    return {"threshold": calibration.CONFIDENT, "answers": confident, "lines": len(lines), "right": right,
            "precision": right / confident if confident else None}


def inference_throughput(normaliser: saved_model.DateNormaliser, texts: list[str]) -> float:
    """Strings per second through serving_default, as `DateNormaliser.translate` sends them (batches of at
    most INFERENCE_BATCH raw strings of similar length, one per core at once), over the texts repeated to at least
    MIN_INFERENCE_STRINGS."""
    repeated = texts * -(-MIN_INFERENCE_STRINGS // len(texts))
    collections.deque(normaliser.translate(texts[:INFERENCE_BATCH], INFERENCE_BATCH), maxlen=0)  # warm-up
    start = time.perf_counter()
    collections.deque(normaliser.translate(repeated, INFERENCE_BATCH), maxlen=0)
    return len(repeated) / (time.perf_counter() - start)


def trainer_record(run: records.RunRecords, filename: str) -> dict | None:
    """A JSON file of the Trainer's model run directory (training.HISTORY_FILE, training.MODEL_FILE); None
    when the run has no model run."""
    model_run = run.artifact("ModelRun", producer="Trainer")
    if model_run is None:
        return None
    with tf.io.gfile.GFile(os.path.join(model_run.uri, filename)) as f:
        return json.load(f)


def confidence_calibration(run: records.RunRecords) -> dict | None:
    """The Trainer's confidence calibration on the eval split (models/calibration.py)."""
    model = trainer_record(run, training.MODEL_FILE)
    return model.get("confidence") if model else None


def training_throughput(run: records.RunRecords) -> float | None:
    """Median training examples per second over the Trainer's epochs after the first (no tracing)."""
    history = trainer_record(run, training.HISTORY_FILE)
    if history is None:
        return None
    rates = history.get("train_examples_per_second", [])
    return statistics.median(rates[1:] or rates) if rates else None


def model_sizes(normaliser: saved_model.DateNormaliser) -> ModelSizes:
    """Layer sizes from the pushed SavedModel itself: its layers' kernel shapes (named after the layers of
    models/model.py) and the attention signature's (batch, Ty, T) output."""
    variables = [v for v in tf.train.TrackableView(normaliser.loaded.model).descendants()
                 if isinstance(v, tf.Variable)]
    own = [v for v in variables if not v.name.startswith(("adam", "optimizer"))]  # not the optimizer's slots

    def shape(prefix: str, leaf: str = "kernel") -> tuple[int, ...]:
        found = [tuple(v.shape) for v in own if v.name.startswith(prefix) and v.name.endswith(f"/{leaf}:0")]
        if not found:
            raise ValueError(f"no {prefix}.../{leaf} variable in {normaliser.model_dir}: not a datenmt model?")
        return found[0]

    input_depth, four_n_a = shape("encoder/forward")
    _, four_n_s = shape("post_attention_lstm/")
    _, attention_hidden = shape("attention_dense_tanh/")
    _, output_vocab = shape("output_softmax/")
    _, ty, _ = normaliser.loaded.signatures["attention"].structured_outputs["attention"].shape
    return ModelSizes(input_depth=input_depth, n_a=four_n_a // 4, n_s=four_n_s // 4,
                      attention_hidden=attention_hidden, output_vocab=output_vocab, ty=ty,
                      parameters=sum(v.shape.num_elements() for v in own))


def model_lengths(texts: tf.Tensor) -> tf.Tensor:
    """The number of positions the model reads per string: the marker and the normalised text, at most Tx."""
    return tf.minimum(tf.strings.length(normalize(texts), unit="UTF8_CHAR") + 1, features.TX)


def mean_model_length(texts: list[str]) -> float:
    """The mean of `model_lengths` over the texts."""
    return float(tf.reduce_mean(tf.cast(model_lengths(tf.constant(texts)), tf.float64)))


def split_mean_model_length(examples_uri: str, split: str) -> float:
    """The mean of `model_lengths` over one split of an ExampleGen output, read in batches."""
    spec = {features.HUMAN_KEY: tf.io.FixedLenFeature([], tf.string)}
    texts = tf.data.TFRecordDataset(split_files(examples_uri, split), compression_type="GZIP").batch(
        SPLIT_READ_BATCH).map(lambda records: tf.io.parse_example(records, spec)[features.HUMAN_KEY])
    total = count = 0
    for batch in texts:
        total += int(tf.reduce_sum(model_lengths(batch)))
        count += int(tf.size(batch))
    return total / count


def matmul_gflops(n: int = MATMUL_SIZE, repeats: int = 5) -> float:
    """GFLOP/s of n x n float32 matmuls through TensorFlow on this machine, one per core at once (each op
    may have one thread: `saved_model.use_one_thread_per_op`): a practical ceiling."""
    cores = os.cpu_count() or 1
    pairs = [(tf.random.stateless_uniform((n, n), seed=(1, i)), tf.random.stateless_uniform((n, n), seed=(2, i)))
             for i in range(cores)]

    @tf.function
    def products():
        return [tf.linalg.matmul(a, b) for a, b in pairs]

    [p.numpy() for p in products()]  # warm-up and tracing
    start = time.perf_counter()
    for _ in range(repeats):
        results = products()
    [p.numpy() for p in results]
    return 2 * n ** 3 * cores * repeats / (time.perf_counter() - start) / 1e9


def compute_figures(sizes: ModelSizes, texts: list[str], strings_per_second: float, ceiling: float) -> dict:
    """FLOPs per string of `texts` (2 x multiply-adds at their mean length), the GFLOP/s that a rate of
    strings/s means, and how close that is to the matmul ceiling (GFLOP/s)."""
    length = mean_model_length(texts)
    macs = multiply_adds(sizes, length)
    flops = 2 * macs["total"]
    achieved = flops * strings_per_second / 1e9
    return {
        "method": "analytic: the multiply-adds of one forward pass's matrix products, from the SavedModel's "
                  "layer shapes, at the strings' mean length",
        "sizes": dataclasses.asdict(sizes),
        "mean_length": length,
        "multiply_adds_per_string": macs,
        "flops_per_string": flops,
        "strings_per_second": strings_per_second,
        "achieved_gflops": achieved,
        "matmul_gflops": ceiling,
        "matmul_size": MATMUL_SIZE,
        "share_of_matmul_rate": achieved / ceiling,
        "strings_per_second_at_matmul_rate": ceiling * 1e9 / flops,
    }


def training_compute(sizes: ModelSizes, examples_per_second: float | None, mean_length: float,
                     ceiling: float) -> dict:
    """The training FLOPs per example (the forward pass's matrix products, TRAINING_PASSES times for forward
    and backward, at the training split's mean model length), the GFLOP/s the Trainer's examples/s mean, and
    how close that is to the matmul ceiling (GFLOP/s)."""
    flops = TRAINING_PASSES * 2 * multiply_adds(sizes, mean_length)["total"]
    achieved = None if examples_per_second is None else flops * examples_per_second / 1e9
    return {
        "method": f"the forward pass's matrix products x {TRAINING_PASSES} (forward and backward), from the "
                  "SavedModel's layer shapes, at the training split's mean length",
        "examples_per_second": examples_per_second,
        "mean_length": mean_length,
        "flops_per_example": flops,
        "achieved_gflops": achieved,
        "matmul_gflops": ceiling,
        "share_of_matmul_rate": None if achieved is None else achieved / ceiling,
    }


def handwritten_figures(normaliser: saved_model.DateNormaliser, sizes: ModelSizes, path: str, out_dir: str,
                        min_seconds: float = baselines.MIN_TIMED_SECONDS) -> dict:
    """The model, python-dateutil and dateparser on the hand-written file, side by side, and the model's
    serving signature as a TF Serving client calls it, timed in the same rounds (each parser on the file
    repeated to at least `min_seconds` of work per round)."""
    lines = baselines.read_handwritten(path)
    length = mean_model_length([line.input for line in lines])
    flops_per_string = 2 * multiply_adds(sizes, length)["total"]
    parsers = [baselines.ModelParser(normaliser, INFERENCE_BATCH), baselines.DateutilParser(),
               baselines.DateparserParser()]
    arrival = baselines.ArrivalOrderModelParser(normaliser, INFERENCE_BATCH)
    by_parser, answered = baselines.evaluate(parsers, lines, min_seconds=min_seconds, timed_only=[arrival])
    speeds = {name: by_parser[name] for name in ("model", arrival.name, "dateutil", "dateparser")}
    arrival_figures = {**by_parser.pop(arrival.name),
                       "speed_ratio_to_dateutil": baselines.speed_ratio(speeds, arrival.name, "dateutil"),
                       "speed_ratio_to_dateutil_by_round": baselines.round_ratios(speeds, arrival.name, "dateutil")}
    answers_path = baselines.write_answers(os.path.join(out_dir, "handwritten_answers.tsv"), lines, answered)
    model_rate = by_parser["model"]["strings_per_second"]
    return {
        "file": path,
        "file_name": os.path.relpath(path, REPOSITORY),
        "lines": len(lines),
        "dates": sum(line.is_date for line in lines),
        "non_dates": sum(not line.is_date for line in lines),
        "languages": len({line.language for line in lines}),
        "parsers": by_parser,
        "serving_default_arrival_order": arrival_figures,
        "speeds": {name: {k: figures[k] for k in ("strings_per_second", "strings_per_second_by_round")}
                   for name, figures in speeds.items()},
        "speed_ratio_model_to_dateutil": baselines.speed_ratio(by_parser, "model", "dateutil"),
        "speed_ratio_model_to_dateutil_by_round": baselines.round_ratios(by_parser, "model", "dateutil"),
        "speed_ratio_model_to_dateparser": baselines.speed_ratio(by_parser, "model", "dateparser"),
        "confident_answers": confident_answers(normaliser, lines),
        "model_flops_per_string": flops_per_string,
        "model_achieved_gflops": flops_per_string * model_rate / 1e9,
        "answers": answers_path,
        "min_seconds": min_seconds,
    }


def confident_note(c: dict) -> str:
    precision = "-" if c["precision"] is None else f"{c['precision']:.4f}"
    return (f"model answers with confidence >= {c['threshold']}: {c['answers']:,} of {c['lines']:,} lines, "
            f"{precision} right ({c['answers'] - c['right']} wrong; target >= {calibration.PROMISED_PRECISION})")


def calibration_note(c: dict) -> str:
    note = (f"confidence = raw ** {c['exponent']:.2f}, calibrated on the eval split: {c['eval_confident']:,} of "
            f"its {c['eval_answers']:,} date answers had raw confidence >= {c['raw_threshold']:.4f}")
    if "eval_confident_wrong" in c:  # models trained before the bound record no count
        note += (f", {c['eval_confident_wrong']} of them wrong: right >= {calibration.PROMISED_PRECISION} of the "
                 f"time with {calibration.BOUND_CONFIDENCE:.0%} confidence (Clopper-Pearson)")
    return note


def test_split_table(f: dict) -> Table:
    notes = [confident_note(f["confident_answers"])]
    if f["confidence_calibration"]:
        notes.append(calibration_note(f["confidence_calibration"]))
    return Table(title=f"exact match on the test split: {f['exact_match']:.4f} ({f['test_examples']:,} examples)",
                 columns=("family", "exact match"),
                 rows=tuple(Row(name, (f"{value:.4f}",)) for name, value in
                            sorted(f["exact_match_by_format"].items(), key=lambda kv: (kv[1], kv[0]))),
                 notes=tuple(notes))


def compute_table(f: dict) -> Table:
    """Training and inference rates, the GFLOP/s they mean, and the matmul rate measured in the same run."""
    c, t = f["compute"], f["training"]
    s = c["sizes"]
    share = "of the matmul rate"
    return Table(
        title="throughput and compute, against this machine's matmul rate",
        columns=("", "rate", "MFLOP each", "GFLOP/s", share),
        rows=(
            Row("training, examples/s (Trainer, median of the epochs after the first)",
                (rate(t["examples_per_second"]), cell(t["flops_per_example"] / 1e6, 2),
                 cell(t["achieved_gflops"], 1), cell(t["share_of_matmul_rate"], 3))),
            Row("inference, strings/s (serving_default through translate, test split)",
                (rate(c["strings_per_second"]), cell(c["flops_per_string"] / 1e6, 2), cell(c["achieved_gflops"], 1),
                 cell(c["share_of_matmul_rate"], 3))),
            Row(f"{c['matmul_size']}x{c['matmul_size']} float32 matmul, one per core at once",
                ("", "", cell(c["matmul_gflops"], 1), "1.000")),
        ),
        notes=(f"model compute: {c['flops_per_string'] / 1e6:.2f} MFLOP per string "
               f"({c['multiply_adds_per_string']['total']:,.0f} multiply-adds; {c['method']}: input depth "
               f"{s['input_depth']}, n_a {s['n_a']}, n_s {s['n_s']}, mean length {c['mean_length']:.1f}, Ty {s['ty']}, "
               f"output vocabulary {s['output_vocab']}; {s['parameters']:,} parameters); at the matmul rate the model "
               f"would serve {c['strings_per_second_at_matmul_rate']:,.0f} strings/s",
               f"training: {t['method']} ({t['mean_length']:.1f})"))


def components_table(f: dict) -> Table:
    return Table(title="wall time per component of the last run", columns=("component", "seconds", "state"),
                 rows=tuple(Row(c["component"], (f"{c['seconds']:.1f}", c["state"])) for c in f["components"]))


def handwritten_tables(h: dict) -> list[Table]:
    table = bench_report.handwritten_table(h)
    table = dataclasses.replace(table, notes=(*table.notes, confident_note(h["confident_answers"]),
                                              f"answers per line: {h['answers']}"))
    return [table, bench_report.speed_table(h, INFERENCE_BATCH, h["min_seconds"])]


def tables(f: dict) -> list[Table]:
    """Every table `make bench` prints and writes, in order."""
    return [test_split_table(f), compute_table(f), components_table(f), *handwritten_tables(f["handwritten"]),
            limits.limits_table(f["limits"])]


def about(f: dict) -> list[tuple[str, str]]:
    """What the Markdown file says first: the machine, the date, the model and the run."""
    s = f["compute"]["sizes"]
    return [("machine", f["machine"]), ("date", f["date"]),
            ("model", f"{f['model']} (n_a {s['n_a']}, n_s {s['n_s']}, {s['parameters']:,} parameters)"),
            ("pipeline run", f["run"])]


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
    sizes = model_sizes(normaliser)

    test_lines = as_lines(test_rows)
    overall, by_format = exact_match(normaliser, test_lines)
    test_texts = [r[features.HUMAN_KEY] for r in test_rows]
    inference_rate = inference_throughput(normaliser, test_texts)
    ceiling = matmul_gflops()
    training_rate = training_throughput(run)
    out_dir = os.path.join(args.output_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    figures = {
        "machine": machine(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "model": model_dir,
        "run": run.run_id,
        "test_examples": len(test_rows),
        "exact_match": overall,
        "exact_match_by_format": by_format,
        "confident_answers": confident_answers(normaliser, test_lines),
        "confidence_calibration": confidence_calibration(run),
        "training_examples_per_second": training_rate,
        "training": training_compute(sizes, training_rate, split_mean_model_length(examples.uri, "train"), ceiling),
        "inference_strings_per_second": inference_rate,
        "compute": compute_figures(sizes, test_texts, inference_rate, ceiling),
        "component_seconds": {c.node_id: c.seconds for c in run.components()},
        "components": [{"component": c.node_id, "seconds": c.seconds, "state": c.state.lower()}
                       for c in run.components()],
    }
    figures["handwritten"] = handwritten_figures(normaliser, sizes, HANDWRITTEN_FILE, out_dir)
    figures["limits"] = limits.serving_call(
        normaliser.loaded, sizes, [line.input for line in baselines.read_handwritten(HANDWRITTEN_FILE)],
        INFERENCE_BATCH, figures["handwritten"]["speeds"]["dateutil"]["strings_per_second"])
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(figures, f, indent=1)
    plot = plots.exact_match_by_format(by_format, os.path.join(out_dir, "exact_match_by_format.png"))

    print(f"machine: {figures['machine']}")
    print(f"model: {model_dir} (run {run.run_id})")
    made = tables(figures)
    for table in made:
        print(bench_report.console(table))
    results = bench_report.write_markdown(args.results_file or RESULTS_FILE, about(figures), made)
    print(f"figures: {os.path.join(out_dir, 'bench.json')}, {plot}; tables as Markdown: {results}")
    return 0
