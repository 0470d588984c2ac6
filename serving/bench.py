"""Benchmark figures of the latest pushed model and the last run (`make bench`).

Prints whole-string exact match on the test split (overall and per format), training
throughput, inference throughput of the SavedModel on raw strings (as `datenmt translate` sends them),
the model's FLOPs per string (counted from its layer sizes) and the rate it achieves,
wall time per component, and the hand-written benchmark (benchmarks/handwritten.tsv): the
model, python-dateutil and dateparser side by side on the same strings in the same run
(exact match, refusal of non-dates, strings/s). Writes them as JSON, the per-format figure
as PNG and every parser's answer per hand-written line as TSV.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import platform
import statistics
import time

import tensorflow as tf

from data_gen.text import normalize
from models import calibration, features, saved_model, training
from pipeline import configs
from reporting import plots, records
from serving import baselines

INFERENCE_BATCH = configs.SERVING_BATCH_SIZE
MIN_INFERENCE_STRINGS = 50_000
HANDWRITTEN_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "benchmarks", "handwritten.tsv")
MATMUL_SIZE = 2048  # the square float32 matmul that measures what this machine's TensorFlow can reach


def read_split(examples_uri: str, split: str) -> list[dict]:
    """The raw rows of one split of an ExampleGen output: human, iso ("" = not a date) and format strings,
    and the day_first preference (False where the examples have none)."""
    files = tf.io.gfile.glob(os.path.join(examples_uri, f"Split-{split}", "*"))
    if not files:
        raise FileNotFoundError(f"no '{split}' split under {examples_uri}")
    rows = []
    for record in tf.data.TFRecordDataset(files, compression_type="GZIP"):
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        row = {k: feature[k].bytes_list.value[0].decode("utf-8")
               for k in (features.HUMAN_KEY, features.ISO_KEY, features.FORMAT_KEY)}
        day_first = feature[features.DAY_FIRST_KEY].int64_list.value if features.DAY_FIRST_KEY in feature else []
        row[features.DAY_FIRST_KEY] = bool(day_first and day_first[0])
        rows.append(row)
    return rows


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


def print_calibration(c: dict | None) -> None:
    if not c:
        return
    print(f"  confidence = raw ** {c['exponent']:.2f}, calibrated on the eval split: {c['eval_confident']:,} of "
          f"its {c['eval_answers']:,} date answers had raw confidence >= {c['raw_threshold']:.4f}", end="")
    if "eval_confident_wrong" in c:  # models trained before the bound record no count
        print(f", {c['eval_confident_wrong']} of them wrong: right >= {calibration.PROMISED_PRECISION} of the time "
              f"with {calibration.BOUND_CONFIDENCE:.0%} confidence (Clopper-Pearson)", end="")
    print()


def training_throughput(run: records.RunRecords) -> float | None:
    """Median training examples per second over the Trainer's epochs after the first (no tracing)."""
    history = trainer_record(run, training.HISTORY_FILE)
    if history is None:
        return None
    rates = history.get("train_examples_per_second", [])
    return statistics.median(rates[1:] or rates) if rates else None


@dataclasses.dataclass(frozen=True)
class ModelSizes:
    """The sizes that fix the model's work per string (models/model.py), read from the SavedModel."""

    input_depth: int  # one-hot width: padding + input vocabulary + OOV bucket
    n_a: int
    n_s: int
    attention_hidden: int
    output_vocab: int
    ty: int
    parameters: int


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


def multiply_adds(s: ModelSizes, length: float) -> dict[str, float]:
    """Multiply-adds of the matrix products of one string's forward pass at `length` input positions (the
    preference marker and the normalised text; no padding), as the graph computes them.

    Encoder: per direction and input position, the LSTM's input and recurrent products (the one-hot input
    goes through a dense kernel). Attention: the encoder part of Dense(hidden) over [a; s] once per position,
    then per output step its decoder-state part, Dense(1) at each position and the context (weights . a).
    Decoder: the LSTM cell on the context, and the output Dense, per output step. Element-wise work (gates,
    tanh, softmax, one-hot) is left out, and so are the rows serving_default adds for inputs whose reading may
    depend on the preference (read again under the other one, to flag ambiguity).
    """
    encoder = 2 * length * 4 * s.n_a * (s.input_depth + s.n_a)
    attention = (length * 2 * s.n_a * s.attention_hidden
                 + s.ty * (s.n_s * s.attention_hidden + length * (s.attention_hidden + 2 * s.n_a)))
    decoder = s.ty * 4 * s.n_s * (2 * s.n_a + s.n_s)
    output = s.ty * s.n_s * s.output_vocab
    return {"encoder": encoder, "attention": attention, "decoder": decoder, "output": output,
            "total": encoder + attention + decoder + output}


def mean_model_length(texts: list[str]) -> float:
    """The mean number of positions the model reads per string: the marker and the normalised text, at most
    Tx."""
    lengths = tf.strings.length(normalize(tf.constant(texts)), unit="UTF8_CHAR").numpy()
    return float(sum(min(int(n) + 1, features.TX) for n in lengths) / len(texts))


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


def compute_figures(normaliser: saved_model.DateNormaliser, texts: list[str], strings_per_second: float) -> dict:
    """FLOPs per string of `texts` (2 x multiply-adds at their mean length), the GFLOP/s that a rate of
    strings/s means, and how close that is to the matmul ceiling."""
    sizes = model_sizes(normaliser)
    length = mean_model_length(texts)
    macs = multiply_adds(sizes, length)
    flops = 2 * macs["total"]
    ceiling = matmul_gflops()
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


def handwritten_figures(normaliser: saved_model.DateNormaliser, path: str, out_dir: str) -> dict:
    """The model, python-dateutil and dateparser on the hand-written file, side by side."""
    lines = baselines.read_handwritten(path)
    length = mean_model_length([line.input for line in lines])
    flops_per_string = 2 * multiply_adds(model_sizes(normaliser), length)["total"]
    parsers = [baselines.ModelParser(normaliser, INFERENCE_BATCH), baselines.DateutilParser(),
               baselines.DateparserParser()]
    by_parser, answered = baselines.evaluate(parsers, lines)
    answers_path = baselines.write_answers(os.path.join(out_dir, "handwritten_answers.tsv"), lines, answered)
    model_rate = by_parser["model"]["strings_per_second"]
    return {
        "file": path,
        "lines": len(lines),
        "dates": sum(line.is_date for line in lines),
        "non_dates": sum(not line.is_date for line in lines),
        "parsers": by_parser,
        "speed_ratio_model_to_dateutil": baselines.speed_ratio(by_parser, "model", "dateutil"),
        "speed_ratio_model_to_dateutil_by_round": baselines.round_ratios(by_parser, "model", "dateutil"),
        "speed_ratio_model_to_dateparser": baselines.speed_ratio(by_parser, "model", "dateparser"),
        "confident_answers": confident_answers(normaliser, lines),
        "model_flops_per_string": flops_per_string,
        "model_achieved_gflops": flops_per_string * model_rate / 1e9,
        "answers": answers_path,
    }


def _cell(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_handwritten(h: dict) -> None:
    names = list(h["parsers"])
    p = h["parsers"]
    width = 12
    print(f"hand-written benchmark: {os.path.relpath(h['file'])} ({h['dates']} dated lines, "
          f"{h['non_dates']} non-dates); the same strings, this run")
    print(f"  {'':<34}" + "".join(f"{n:>{width}}" for n in names))

    def row(label: str, cells: list[str]) -> None:
        print(f"  {label:<34}" + "".join(f"{c:>{width}}" for c in cells))

    row("exact match, dated lines", [_cell(p[n]["exact_match"]) for n in names])
    categories = sorted({c for n in names for c in p[n]["exact_match_by_category"]})
    for c in categories:
        row(f"  {c}", [_cell(p[n]["exact_match_by_category"].get(c)) for n in names])
    row("dated lines refused", [_cell(p[n]["refused_dates"]) for n in names])
    row("non-dates refused", [_cell(p[n]["refusal_rate"]) for n in names])
    row("non-dates answered with a date", [_cell(p[n]["non_dates_answered_with_date"]) for n in names])
    row("strings/s (median of the rounds)", [f"{p[n]['strings_per_second']:,.0f}" for n in names])
    per_round = h["speed_ratio_model_to_dateutil_by_round"]
    print(f"  speed ratio model / dateutil: {h['speed_ratio_model_to_dateutil']:.2f} (the median of "
          f"{len(per_round)} rounds: {', '.join(f'{r:.2f}' for r in per_round)}); "
          f"model / dateparser: {h['speed_ratio_model_to_dateparser']:.1f}; the model's "
          f"rate here is {h['model_achieved_gflops']:.1f} GFLOP/s at {h['model_flops_per_string'] / 1e6:.2f} MFLOP "
          f"per string (the parsers timed in turn in each round, each on the file repeated to >= "
          f"{baselines.MIN_TIMED_SECONDS:.0f} s of work, after a warm-up; the model in batches of {INFERENCE_BATCH})")
    print_confident(h["confident_answers"], indent="  ")
    print(f"  answers per line: {h['answers']}")


def print_confident(c: dict, indent: str = "") -> None:
    precision = "-" if c["precision"] is None else f"{c['precision']:.4f}"
    print(f"{indent}model answers with confidence >= {c['threshold']}: {c['answers']:,} of {c['lines']:,} lines, "
          f"{precision} right ({c['answers'] - c['right']} wrong; target >= {calibration.PROMISED_PRECISION})")


def print_compute(c: dict) -> None:
    s = c["sizes"]
    print(f"model compute: {c['flops_per_string'] / 1e6:.2f} MFLOP per string "
          f"({c['multiply_adds_per_string']['total']:,.0f} multiply-adds; {c['method']}: "
          f"input depth {s['input_depth']}, n_a {s['n_a']}, n_s {s['n_s']}, mean length {c['mean_length']:.1f}, "
          f"Ty {s['ty']}, "
          f"output vocabulary {s['output_vocab']}; {s['parameters']:,} parameters)")
    print(f"  at {c['strings_per_second']:,.0f} strings/s: {c['achieved_gflops']:.1f} GFLOP/s, "
          f"{100 * c['share_of_matmul_rate']:.0f}% of the {c['matmul_gflops']:.0f} GFLOP/s a "
          f"{c['matmul_size']}x{c['matmul_size']} float32 matmul reaches here "
          f"(that rate would be {c['strings_per_second_at_matmul_rate']:,.0f} strings/s)")


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

    test_lines = as_lines(test_rows)
    overall, by_format = exact_match(normaliser, test_lines)
    test_texts = [r[features.HUMAN_KEY] for r in test_rows]
    inference_rate = inference_throughput(normaliser, test_texts)
    out_dir = os.path.join(args.output_dir, "bench")
    os.makedirs(out_dir, exist_ok=True)
    figures = {
        "machine": machine(),
        "model": model_dir,
        "run": run.run_id,
        "test_examples": len(test_rows),
        "exact_match": overall,
        "exact_match_by_format": by_format,
        "confident_answers": confident_answers(normaliser, test_lines),
        "confidence_calibration": confidence_calibration(run),
        "training_examples_per_second": training_throughput(run),
        "inference_strings_per_second": inference_rate,
        "compute": compute_figures(normaliser, test_texts, inference_rate),
        "component_seconds": {c.node_id: c.seconds for c in run.components()},
    }
    figures["handwritten"] = handwritten_figures(normaliser, HANDWRITTEN_FILE, out_dir)
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(figures, f, indent=1)
    plot = plots.exact_match_by_format(by_format, os.path.join(out_dir, "exact_match_by_format.png"))

    print(f"machine: {figures['machine']}")
    print(f"model: {model_dir} (run {run.run_id})")
    print(f"exact match on the test split: {overall:.4f} ({len(test_rows)} examples)")
    print_confident(figures["confident_answers"])
    print_calibration(figures["confidence_calibration"])
    for name, value in sorted(by_format.items(), key=lambda kv: (kv[1], kv[0])):
        print(f"  {name:<26} {value:.4f}")
    rate = figures["training_examples_per_second"]
    print(f"training throughput: {rate:,.0f} examples/s" if rate else "training throughput: not recorded")
    print(f"inference throughput: {inference_rate:,.0f} strings/s "
          f"(serving_default, batches of at most {INFERENCE_BATCH} of similar length, one per core at once)")
    print_compute(figures["compute"])
    print("wall time per component of the last run:")
    for c in run.components():
        print(f"  {c.node_id:<32} {c.seconds:8.1f} s  {c.state.lower()}")
    print_handwritten(figures["handwritten"])
    print(f"figures: {os.path.join(out_dir, 'bench.json')}, {plot}")
    return 0
