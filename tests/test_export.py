"""run_fn end to end on a tiny set: training history, TensorBoard logs, and the exported SavedModel."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from tfx.types import standard_artifacts

from models import calibration, export, features, saved_model, training
from models import model as model_lib
from tests.helpers import make_fn_args

TRAINER_CONFIG = {"epochs": 2, "batch_size": 50, "patience": 2, "seed": 5, "verbose": 0}


@pytest.fixture(scope="module")
def trained(transformed_data, tmp_path_factory):
    fn_args = make_fn_args(transformed_data, str(tmp_path_factory.mktemp("trainer")), TRAINER_CONFIG)
    training.run_fn(fn_args)
    return fn_args, tf.saved_model.load(fn_args.serving_model_dir)


def _history(fn_args) -> dict[str, list[float]]:
    with open(os.path.join(fn_args.model_run_dir, training.HISTORY_FILE)) as f:
        return json.load(f)


def _rewrite_in_another_order(examples_dir: str, out_dir: str) -> str:
    """A copy of a transformed examples directory with each split's records reversed and dealt into three
    shards, as another Beam run might write the same examples."""
    for split_dir in tf.io.gfile.glob(os.path.join(examples_dir, "Split-*")):
        records = [r.numpy() for r in tf.data.TFRecordDataset(tf.io.gfile.glob(os.path.join(split_dir, "*")),
                                                              compression_type="GZIP")]
        target = os.path.join(out_dir, os.path.basename(split_dir))
        os.makedirs(target)
        for shard in range(3):
            with tf.io.TFRecordWriter(os.path.join(target, f"data-{shard}-of-3.gz"), options="GZIP") as writer:
                for record in records[::-1][shard::3]:
                    writer.write(record)
    return out_dir


def test_the_same_seed_trains_the_same_model(trained, transformed_data, tmp_path):
    """The seed fixes the initial weights and the order of the training examples: trained again on the same
    examples, written in another order and sharding, the same losses epoch by epoch and the same answers."""
    fn_args, loaded = trained
    examples, graph, tft_output = transformed_data
    reordered = standard_artifacts.Examples()
    reordered.uri = _rewrite_in_another_order(examples.uri, str(tmp_path / "examples"))
    reordered.split_names = examples.split_names
    again = make_fn_args((reordered, graph, tft_output), str(tmp_path / "trainer"), TRAINER_CONFIG)
    training.run_fn(again)
    first, second = _history(fn_args), _history(again)
    for key in ("loss", "val_loss", "val_exact_match"):
        assert first[key] == second[key], key
    texts = ["3 May 1979", "25th of June 2009", "04/03/2009", "june 2009"]
    np.testing.assert_array_equal(_serve(loaded, texts)["confidence"],
                                  _serve(tf.saved_model.load(again.serving_model_dir), texts)["confidence"])


def _serve(loaded, texts, day_first=False):
    out = loaded.signatures["serving_default"](human=tf.constant(texts), day_first=tf.fill([len(texts)], day_first))
    return {k: v.numpy() for k, v in out.items()}


def test_run_fn_writes_history_and_tensorboard_logs(trained):
    fn_args, _ = trained
    history = _history(fn_args)
    for key in ("loss", "char_accuracy", "exact_match", "val_loss", "val_char_accuracy", "val_exact_match"):
        assert len(history[key]) == 2
    assert tf.io.gfile.glob(os.path.join(fn_args.model_run_dir, "*", "events.out.tfevents.*"))
    assert len(history["train_examples_per_second"]) == 2 and min(history["train_examples_per_second"]) > 0
    # The learning rate of each epoch: the starting rate, cut only after an epoch that did not improve (the
    # first always does).
    assert history["learning_rate"] == pytest.approx([training.TrainingConfig.learning_rate] * 2)
    with open(os.path.join(fn_args.model_run_dir, training.MODEL_FILE)) as f:
        summary = json.load(f)
    assert summary["parameters"] > 0 and (summary["n_a"], summary["n_s"]) == (32, 64)
    assert summary["training_config"]["epochs"] == 2
    # The confidence calibration on the eval split (300 rows), which the export serves.
    confidence = summary["confidence"]
    assert confidence["eval_answers"] <= 300 and confidence["eval_confident"] <= confidence["eval_answers"]
    assert confidence["eval_confident_wrong"] <= confidence["eval_confident"]
    assert confidence["exponent"] == pytest.approx(calibration.exponent(confidence["raw_threshold"]))


def test_export_has_the_three_signatures(trained):
    _, loaded = trained
    assert set(loaded.signatures) == {"serving_default", "attention", "evaluate"}
    inputs = loaded.signatures["serving_default"].structured_input_signature[1]
    assert (inputs["human"].dtype, inputs["day_first"].dtype) == (tf.string, tf.bool)
    assert set(loaded.signatures["serving_default"].structured_outputs) == set(saved_model.SIGNATURE_OUTPUTS) == {
        "iso", "is_date", "confidence", "ambiguous", "input_length", "unknown_characters", "reason", "uncertain",
        "weekday_conflict", "named_weekday", "unknown_words"}


def test_serving_turns_raw_strings_into_iso_strings_with_confidence_and_validity(trained):
    _, loaded = trained
    texts = ["Tuesday, March 4, 1997", "tuesday march 4 1997", "TUESDAY MARCH 4 1997",
             "3 may 1979 ☃", "25.06.09"]
    out = _serve(loaded, texts)
    isos = [s.decode() for s in out["iso"]]
    # An ISO date exactly when the model's answer is a real date in range, else "" (a refusal).
    assert [len(s) for s in isos] == [features.TY if d else 0 for d in out["is_date"]]
    assert all(datetime.date.fromisoformat(s) for s in isos if s)
    # Case and commas are normalised away inside the graph: the same input, the same answer.
    assert isos[0] == isos[1] == isos[2]
    np.testing.assert_allclose(out["confidence"][0], out["confidence"][1], rtol=1e-6)
    assert ((out["confidence"] >= 0) & (out["confidence"] <= 1)).all()  # calibrated: may underflow to 0
    assert out["is_date"].dtype == bool and out["ambiguous"].dtype == bool
    assert not out["ambiguous"][~out["is_date"]].any()  # only a date can be ambiguous
    assert list(out["input_length"]) == [20, 20, 20, 12, 8]
    assert [u.decode() for u in out["unknown_characters"]] == ["", "", "", "☃", ""]
    # A refusal says why (a reason the model learnt); a date says whether to trust it.
    reasons = [r.decode() for r in out["reason"]]
    assert all((r == "") == d for r, d in zip(reasons, out["is_date"], strict=True))
    assert {r for r in reasons if r} <= set(features.REFUSAL_TARGETS)
    assert not out["uncertain"][~out["is_date"]].any() and not out["weekday_conflict"][~out["is_date"]].any()
    assert (out["uncertain"][out["is_date"]] >= (out["confidence"][out["is_date"]] < calibration.CONFIDENT)).all()


def test_a_weekday_that_is_not_the_answers_and_unknown_words_are_flagged(transformed_data):
    """The rules behind `weekday_conflict`, `named_weekday` and `unknown_words`, on given answers: the weekdays
    the text names (any form the grammar writes) against the answer's; words not among the training inputs'."""
    _, _, tft_output = transformed_data
    model, attention = model_lib.build_models(training.model_config(tft_output, 8, 8))
    module = export.DateNormaliserModule(model, attention, tft_output)
    texts = ["Friday March 11 1905", "Sat., March 11, 1905", "THURS 5 april 2001", "3 May 1979", "Dienstag 3 Mai 1979",
             "friday", "tisdag 3 maj 1979"]
    answers = ["1905-03-11", "1905-03-11", "2001-04-05", "1979-05-03", "1979-05-03", "", "1979-05-03"]
    checks = module._words_checks(tf.constant(texts), tf.constant(answers), tf.constant([a != "" for a in answers]))
    # "Dienstag" is a Tuesday in German, one of the languages the grammar writes; 3 May 1979 was a Thursday.
    assert list(checks["weekday_conflict"].numpy()) == [True, False, False, False, True, False, False]
    assert [w.decode() for w in checks["named_weekday"].numpy()] == ["friday", "saturday", "thursday", "",
                                                                      "tuesday", "friday", ""]
    known = {w.decode() for w in tft_output.vocabulary_by_name(features.WORD_VOCAB_NAME)}
    assert {"tisdag", "maj"}.isdisjoint(known) and {"may", "dienstag", "mai"} <= known  # Swedish is not taught
    assert checks["unknown_words"].numpy()[6].decode() == "tisdag maj"
    assert checks["unknown_words"].numpy()[3].decode() == ""


def test_the_weekday_of_any_date_is_pythons():
    dates = [datetime.date(1900, 1, 1) + datetime.timedelta(days=i) for i in range(0, 73049, 13)]
    got = export.weekday(tf.constant([d.isoformat() for d in dates])).numpy()
    assert list(got) == [d.weekday() for d in dates]


def test_weekday_words_leave_out_month_words_and_short_abbreviations():
    words = export.weekday_words()
    assert words["friday"] == words["fri"] == 4 and words["thurs"] == words["thu"] == 3
    assert all(len(w) >= export.MIN_WEEKDAY_WORD for w in words)
    # The six other languages' weekdays, as serving splits them: "segunda-feira" is "segunda" and "feira",
    # which every weekday from Monday to Friday has; "mar" (mardi, martes, martedì) is also March.
    assert words["donnerstag"] == words["jeudi"] == words["quinta"] == words["giovedì"] == 3
    assert words["segunda"] == words["maandag"] == words["lunes"] == 0 and words["sáb"] == 5
    assert "feira" not in words and "mar" not in words and "mai" not in words


def test_unknown_characters_are_reported_for_each_input_that_holds_them(trained):
    _, loaded = trained
    texts = ["☃ 3 may 1979", "3 may 1979", "3 MAY 1979 ☃☂", "", "☂"]
    out = _serve(loaded, texts)
    assert [u.decode() for u in out["unknown_characters"]] == ["☃", "", "☃☂", "", "☂"]


def test_only_an_answer_whose_day_and_month_could_swap_is_ambiguous(trained):
    _, loaded = trained
    texts = [f"{a}/{b}/20{y:02d}" for a in (1, 4, 7, 12) for b in (3, 4, 9, 11) for y in (1, 9)]
    for day_first in (False, True):
        out = _serve(loaded, texts, day_first)
        for iso, ambiguous in zip(out["iso"], out["ambiguous"], strict=True):
            if ambiguous:
                month, day = int(iso[5:7]), int(iso[8:10])
                assert day <= 12 and day != month, iso


def test_attention_signature_returns_ty_weights_over_the_longest_inputs_characters(trained):
    _, loaded = trained
    out = loaded.signatures["attention"](human=tf.constant(["3 May 1979", "25th of June 2009"]),
                                         day_first=tf.constant([False, True]))
    weights = out["attention"].numpy()
    longest = 1 + len("25th of june 2009")  # the marker and the normalised text
    assert weights.shape == (2, features.TY, longest)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    # Padding gets no weight: the shorter input's weights end with its characters.
    assert (weights[0, :, 1 + len("3 may 1979"):] == 0).all()
    chars = ["".join(c.decode() for c in row) for row in out["input_characters"].numpy()]
    # The model reads the preference marker, then the normalised text.
    assert chars == [features.MONTH_FIRST_MARKER + "3 may 1979", features.DAY_FIRST_MARKER + "25th of june 2009"]


def test_an_answer_does_not_depend_on_what_else_is_in_the_batch(trained):
    """Each batch is padded only to its longest input; padding is masked, so batch-mates change nothing."""
    _, loaded = trained
    texts = ["3 May 1979", "25th of June 2009", "tuesday, the 5th of april 2001 at 10:49:41 pm"]
    together = _serve(loaded, texts)
    for i, text in enumerate(texts):
        alone = _serve(loaded, [text])
        assert alone["iso"][0] == together["iso"][i]
        np.testing.assert_allclose(alone["confidence"][0], together["confidence"][i], rtol=1e-5)


def test_translate_batches_by_length_and_answers_in_input_order(trained):
    fn_args, _ = trained
    normaliser = saved_model.DateNormaliser(fn_args.serving_model_dir)
    texts = ["tuesday, the 5th of april 2001 at 10:49 pm", "3/5/79", "3 May 1979", "", "25th of June 2009",
             "9" * 80, "04/03/2009"]
    streamed = list(normaliser.translate(iter(texts), batch_size=2))  # a generator, read ahead in windows
    assert [t.input for t in streamed] == texts
    for got, alone in zip(streamed, (normaliser.translate_batch([t])[0] for t in texts), strict=True):
        assert (got.iso, got.is_date, got.ambiguous, got.error) == (alone.iso, alone.is_date, alone.ambiguous,
                                                                   alone.error)
        if got.confidence is not None:
            assert got.confidence == pytest.approx(alone.confidence, rel=1e-5)
    assert streamed[3].error == "empty input" and streamed[5].error.startswith("input too long")
    # Over several read-ahead windows (the next one translated while this one is handed out), still in order.
    many = texts * 5
    assert [(t.input, t.iso) for t in normaliser.translate(iter(many), batch_size=1)] == [
        (t.input, t.iso) for t in streamed * 5]


def test_length_batches_group_inputs_of_similar_length():
    texts = ["x" * n for n in (30, 5, 6, 50, 7, 5, 31, 12, 13, 6)]
    batches = saved_model.length_batches(texts, batch_size=3)
    assert sorted(i for batch in batches for i in batch) == list(range(len(texts)))  # each input once
    lengths = [[len(texts[i]) for i in batch] for batch in batches]
    assert lengths == [[5, 5, 6], [6, 7], [12, 13], [30, 31], [50]]
    assert all(len(b) <= 3 and max(b) <= saved_model.LENGTH_SPREAD * min(b) + saved_model.LENGTH_SLACK
               for b in lengths)


def test_one_thread_per_op_takes_effect_only_before_tensorflow_runs():
    def run(code: str) -> list[str]:
        prelude = "from models import saved_model; import tensorflow as tf; "
        return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout.split()

    assert run("print(saved_model.use_one_thread_per_op(), tf.config.threading.get_intra_op_parallelism_threads())"
               ) == ["True", "1"]
    assert run("tf.constant(1.0) + 1; print(saved_model.use_one_thread_per_op())") == ["False"]


def test_evaluate_signature_reads_serialized_examples(trained):
    _, loaded = trained
    def example(day_first: int) -> bytes:
        return tf.train.Example(features=tf.train.Features(feature={
            "human": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"04/03/2009"])),
            "day_first": tf.train.Feature(int64_list=tf.train.Int64List(value=[day_first]))})).SerializeToString()

    out = loaded.signatures["evaluate"](examples=tf.constant([example(0), example(1)]))
    assert out["iso"].shape == (2,)
    assert out["iso"].numpy()[0] == _serve(loaded, ["04/03/2009"], day_first=False)["iso"][0]
    assert out["iso"].numpy()[1] == _serve(loaded, ["04/03/2009"], day_first=True)["iso"][0]


def test_export_carries_tf_serving_warmup_requests_that_the_signature_answers(trained):
    from tensorflow_serving.apis import prediction_log_pb2

    fn_args, loaded = trained
    path = os.path.join(fn_args.serving_model_dir, "assets.extra", "tf_serving_warmup_requests")
    assert os.path.isfile(path)
    logs = [prediction_log_pb2.PredictionLog.FromString(record.numpy()) for record in tf.data.TFRecordDataset(path)]
    assert len(logs) == len(export.WARMUP_REQUESTS) and 0 < len(logs) <= 1000  # TF Serving reads up to 1,000
    serve = loaded.signatures["serving_default"]
    preferences = set()
    for log in logs:
        request = log.predict_log.request
        assert request.model_spec.signature_name == "serving_default"
        inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
        assert set(inputs) == {"human", "day_first"} and inputs["day_first"].dtype == bool
        preferences |= set(inputs["day_first"].tolist())
        # Each request is one TF Serving would run: the signature's own inputs, answered for every input.
        out = serve(**{name: tf.constant(value) for name, value in inputs.items()})
        assert {name: tuple(t.shape) for name, t in out.items()} == {
            name: (len(inputs["human"]),) for name in serve.structured_outputs}
    assert preferences == {False, True}


def test_warmup_requests_run_in_a_tf1_session_as_tf_serving_runs_them(trained):
    from tensorflow_serving.apis import prediction_log_pb2

    fn_args, _ = trained
    path = os.path.join(fn_args.serving_model_dir, export.WARMUP_FILE)
    logs = [prediction_log_pb2.PredictionLog.FromString(record.numpy()) for record in tf.data.TFRecordDataset(path)]
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.load(session, ["serve"], fn_args.serving_model_dir)
        signature = meta_graph.signature_def["serving_default"]
        for log in logs:
            request = log.predict_log.request
            feed = {signature.inputs[name].name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
            out = session.run({name: info.name for name, info in signature.outputs.items()}, feed)
            assert {name: value.shape for name, value in out.items()} == {
                name: (len(feed[signature.inputs["human"].name]),) for name in signature.outputs}


@pytest.mark.parametrize("iso", ["2000-02-29", "1900-02-29", "2001-02-29", "2009-06-31", "2009-13-01",
                                 "2009-00-10", "2009-06-00", "1999-12-31", "20090625", "2009-6-25", "abcd-ef-gh"])
def test_is_calendar_date_agrees_with_python(iso):
    try:
        datetime.date.fromisoformat(iso)
        expected = len(iso) == 10
    except ValueError:
        expected = False
    assert bool(export.is_calendar_date(tf.constant([iso])).numpy()[0]) == expected


def test_a_day_the_model_writes_that_no_calendar_has_is_refused_as_impossible():
    """The model writes 29 February of a common year as written (data_gen.labels.written_leap_day): the graph
    refuses it (not an answer) and says why; a refusal target keeps its own reason, and any other output that
    is no date (one the model was never taught to write) is not_a_date."""
    raw = tf.constant(["2014-02-29", "1900-02-29", "2100-02-29", "2016-02-29", "0000-00-03", "0000-00-06",
                       "0000-00-00", "2014-0?-29", "2009-05-35", "2009-04-31"])
    coded = tf.constant(["not_a_date", "not_a_date", "not_a_date", "", "relative", "impossible", "not_a_date",
                         "not_a_date", "not_a_date", "not_a_date"])
    assert not any(export.is_answer(raw).numpy()[[0, 1, 2, 4, 5, 6, 7, 8, 9]])
    assert export.is_answer(raw).numpy()[3]
    reasons = [r.decode() for r in export.refusal_reason(raw, coded).numpy()]
    assert reasons[:3] == ["impossible"] * 3
    assert reasons[4:] == ["relative", "impossible", "not_a_date", "not_a_date", "not_a_date", "not_a_date"]


@pytest.mark.parametrize("text, depends", [
    ("4/3/2009", True), ("04.03.09", True), ("7 / 12 / 1969", True), ("Tue, 3-4-2009 at 10:30", True),
    ("14:05, 3/4/2009", True), ("03042009", True), ("04032009 10:49", True), ("3/4/'09", True),
    ("2009-04-03", False), ("20090403", False), ("25/06/2009", False), ("6/25/2009", False),
    ("3 may 2009", False), ("4/3", False), ("1/2", False), ("13/04/2009", False), ("3042009", False)])
def test_inputs_whose_reading_may_depend_on_the_preference(text, depends):
    """Read under both preferences: day and month as numbers that could each be a month, year last (compact
    eight-digit dates too); never year-first dates, month words, or a day over 12."""
    assert bool(export.may_depend_on_preference(tf.constant([text])).numpy()[0]) == depends


@pytest.mark.parametrize("n", [0, 1, 3, 200, 700])
def test_rows_read_in_length_groups_get_the_answers_of_one_call_in_input_order(n):
    """A client's batch in any order is read in groups of similar length (at least MIN_GROUP_ROWS rows, at most
    LENGTH_GROUPS groups, empty ones skipped); the answers are those of one model call, in input order."""
    keras.utils.set_random_seed(n)
    model, _ = model_lib.build_models(model_lib.ModelConfig(input_vocab_size=18, output_vocab_size=11, n_a=8, n_s=8))
    rng = np.random.default_rng(n)
    lengths = rng.integers(1, features.TX, n)
    ids = np.where(np.arange(features.TX)[None, :] < lengths[:, None],
                   rng.integers(1, 20, (n, features.TX)), features.PAD_ID)
    ids = tf.constant(ids, tf.int64)
    grouped = export.probabilities_by_length(model, 11, ids).numpy()
    assert grouped.shape == (n, features.TY, 11)
    if n:
        np.testing.assert_allclose(grouped, model(ids).numpy(), atol=1e-5)


def test_an_empty_batch_gets_empty_answers(trained):
    _, loaded = trained
    out = loaded.signatures["serving_default"](human=tf.constant([], tf.string), day_first=tf.constant([], tf.bool))
    assert all(len(v) == 0 for v in out.values()), out
