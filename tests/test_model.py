"""The attention model: shapes, parameter count, learning, Keras version, tuner_fn."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from models import features, training, tuning
from models import model as model_lib
from tests.helpers import expected_parameter_count, make_fn_args

CONFIG = model_lib.ModelConfig(input_vocab_size=38, output_vocab_size=11)


@pytest.mark.parametrize("length", [features.TX, 9])
def test_output_and_attention_shapes(length):
    model, attention_model = model_lib.build_models(CONFIG)
    ids = np.random.default_rng(0).integers(1, CONFIG.input_depth, size=(5, length))
    probabilities = model(ids)
    weights = attention_model(ids)
    assert probabilities.shape == (5, features.TY, 11)
    assert weights.shape == (5, features.TY, length)
    np.testing.assert_allclose(np.sum(probabilities, axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.sum(weights, axis=-1), 1.0, rtol=1e-5)  # softmax over the positions


def test_padding_is_masked_so_answers_do_not_depend_on_it():
    model, attention_model = model_lib.build_models(CONFIG)
    ids = np.random.default_rng(1).integers(1, CONFIG.input_depth, size=(4, 12))
    ids[:, 7:] = features.PAD_ID  # four inputs of 7 characters, padded to 12
    padded = np.zeros((4, features.TX), dtype=ids.dtype)
    padded[:, :12] = ids
    np.testing.assert_allclose(model(ids[:, :7]), model(ids), atol=1e-6)
    np.testing.assert_allclose(model(ids[:, :7]), model(padded), atol=1e-6)
    weights = np.asarray(attention_model(padded))
    assert (weights[:, :, 7:] == 0).all()  # no attention on padding
    np.testing.assert_allclose(weights[:, :, :7], attention_model(ids[:, :7]), atol=1e-6)


@pytest.mark.parametrize("n_a,n_s", [(32, 64), (16, 128)])
def test_parameter_count_matches_the_seed_design(n_a, n_s):
    config = model_lib.ModelConfig(input_vocab_size=38, output_vocab_size=11, n_a=n_a, n_s=n_s)
    model, attention_model = model_lib.build_models(config)
    assert model.count_params() == expected_parameter_count(config)
    # Hand-computed for the defaults: encoder 2*4*(32*(40+32)+32), attention 128*10+10 + 10+1,
    # decoder 4*(64*(64+64)+64), output 64*11+11.
    if (n_a, n_s) == (32, 64):
        assert model.count_params() == 18688 + 1301 + 33024 + 715
    # The attention model shares every layer: nothing of its own.
    assert attention_model.count_params() == model.count_params() - (n_s * 11 + 11)


def test_attention_and_decoder_layers_are_shared_across_steps():
    model, _ = model_lib.build_models(CONFIG)
    names = [layer.name for layer in model.layers]
    for shared in ("attention_dense_tanh", "attention_dense_tanh_s", "attention_dense_relu", "post_attention_lstm",
                   "output_softmax"):
        assert names.count(shared) == 1


def test_the_model_is_keras_3_even_though_tf_keras_is_keras_2():
    import tensorflow_transform  # noqa: F401  (sets TF_USE_LEGACY_KERAS=1)

    model, _ = model_lib.build_models(CONFIG)
    assert keras.version().startswith("3.")
    assert isinstance(model, keras.Model)
    assert tf.keras.__name__.startswith("tf_keras")  # tf.keras is Keras 2: never use it for the model
    assert not isinstance(model, tf.keras.Model)
    for layer in model.layers:
        assert isinstance(layer, keras.layers.Layer) and not isinstance(layer, tf.keras.layers.Layer), layer


def test_one_epoch_on_a_tiny_set_lowers_the_loss(transformed_data, tmp_path):
    _, _, tft_output = transformed_data
    fn_args = make_fn_args(transformed_data, str(tmp_path), {})
    keras.utils.set_random_seed(0)
    model, _ = model_lib.build_models(training.model_config(tft_output, 16, 32))
    training.compile_model(model, training.make_optimizer(training.TrainingConfig(epochs=1, batch_size=100)))
    train = training.input_fn(fn_args.train_files, fn_args.data_accessor, tft_output, 100, shuffle=False)
    before = model.evaluate(train, verbose=0, return_dict=True)["loss"]
    model.fit(train, epochs=1, verbose=0, shuffle=False)
    after = model.evaluate(train, verbose=0, return_dict=True)["loss"]
    assert after < before * 0.95


def test_the_learning_rate_warms_up_over_the_first_epoch_then_stays(transformed_data, tmp_path):
    _, _, tft_output = transformed_data
    fn_args = make_fn_args(transformed_data, str(tmp_path), {})
    config = training.TrainingConfig(epochs=2, batch_size=100)
    model, _ = model_lib.build_models(training.model_config(tft_output, 16, 32))
    training.compile_model(model, training.make_optimizer(config))
    train = training.input_fn(fn_args.train_files, fn_args.data_accessor, tft_output, 100, seed=0)
    rates = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: rates.append(float(model.optimizer.learning_rate)))
    model.fit(train, epochs=2, verbose=0, shuffle=False, callbacks=[*training.warm_up(config, train), record])
    steps = int(train.cardinality())
    assert steps > 1
    expected = [config.learning_rate * min(1, (i + 1) / steps) for i in range(2 * steps)]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    assert training.warm_up(dataclasses.replace(config, warmup_epochs=0), train) == []


def test_the_trainer_reads_its_batches_without_tf_data_autotuning_in_the_same_order(transformed_data, tmp_path):
    _, _, tft_output = transformed_data
    fn_args = make_fn_args(transformed_data, str(tmp_path), {})
    train, evaluation = training.train_and_eval_datasets(fn_args, tft_output, 100, seed=0)
    # No autotuning model, whose tuning thread held up the deletion of each epoch's iterator ...
    assert train.options().autotune.enabled is False and evaluation.options().autotune.enabled is False
    # ... except on the Tuner's repeated subsample, whose order depends on the prefetching it sets.
    tuner_train, _ = training.train_and_eval_datasets(fn_args, tft_output, 100, seed=0, autotuned_training=True)
    assert tuner_train.options().autotune.enabled is not False
    # The same batches, epoch after epoch, as with autotuning.
    for _ in range(2):
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(train, tuner_train, strict=True))


def test_training_config_rejects_bad_values():
    with pytest.raises(ValueError, match="positive"):
        training.TrainingConfig.from_custom_config({"epochs": 0, "batch_size": 100})
    with pytest.raises(ValueError, match="positive"):
        training.TrainingConfig.from_custom_config({"epochs": 1, "batch_size": 100, "patience": 0})
    with pytest.raises(ValueError, match="warmup_epochs not negative"):
        training.TrainingConfig.from_custom_config({"epochs": 1, "batch_size": 100, "warmup_epochs": -1})
    with pytest.raises(ValueError, match="must set batch_size"):
        training.TrainingConfig.from_custom_config({"epochs": 3})
    config = training.TrainingConfig.from_custom_config({"epochs": 3, "batch_size": 100, "unrelated": 1})
    assert (config.epochs, config.batch_size, config.patience) == (3, 100, None)  # enough for a Tuner trial
    with pytest.raises(ValueError, match="must set patience"):  # not for the Trainer
        training.TrainingConfig.from_custom_config({"epochs": 3, "batch_size": 100}, training.TRAINER_REQUIRED)


def test_hyperparameters_default_without_tuning_and_follow_the_tuner():
    assert training.hyperparameter_values(None) == {"n_a": 32, "n_s": 64}
    hp = tuning.search_space()
    hp.values.update({"n_a": 64, "n_s": 32})
    assert training.hyperparameter_values(hp.get_config()) == {"n_a": 64, "n_s": 32}


def test_tuner_fn_declares_the_search_space_and_a_bounded_hyperband(transformed_data, tmp_path):
    custom = {"max_trials": 30, "epochs": 4, "trial_examples": 600, "batch_size": 50}
    result = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path), custom))
    tuner = result.tuner
    assert isinstance(tuner.oracle, keras_tuner.oracles.HyperbandOracle)
    assert (tuner.oracle.max_epochs, tuner.oracle.factor) == (4, tuning.HYPERBAND_FACTOR)
    # TFX's Tuner needs max_trials: Hyperband's own schedule (15 trials at 4 epochs, factor 2), or the cap.
    assert tuner.oracle.max_trials == tuning.hyperband_trials(4) == 15
    capped = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path / "capped"), {**custom, "max_trials": 3}))
    assert capped.tuner.oracle.max_trials == 3
    assert tuner.oracle.objective.name == "val_exact_match" and tuner.oracle.objective.direction == "max"
    space = {hp.name: list(hp.values) for hp in tuner.oracle.hyperparameters.space}
    assert space == {"n_a": [16, 24, 32, 48, 64, 96, 128], "n_s": [16, 24, 32, 48, 64, 96, 128, 192, 256]}
    # A trial's epoch is a seeded subsample of trial_examples training examples (of 1,500 here).
    assert int(result.fit_kwargs["x"].cardinality()) == 600 // 50
    # Its learning rate warms up over TRIAL_WARMUP_EXAMPLES examples, whatever a trial epoch's length.
    (warm_up,) = result.fit_kwargs["callbacks"]
    assert isinstance(warm_up, training.LinearWarmUp) and warm_up.steps == tuning.TRIAL_WARMUP_EXAMPLES // 50
    for bad, message in (({"max_trials": 0}, "max_trials"), ({"trial_examples": 0}, "trial_examples")):
        with pytest.raises(ValueError, match=message):
            tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path / "x"), {**custom, **bad}))
    with pytest.raises(ValueError, match="must set trial_examples"):
        tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path / "y"), {"max_trials": 1, "epochs": 1,
                                                                              "batch_size": 50}))


def test_the_tuner_prefers_the_smallest_model_among_the_longest_trials_as_good_as_the_best(
        transformed_data, tmp_path):
    tuner = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path), {
        "max_trials": 3, "epochs": 2, "trial_examples": 100, "batch_size": 50})).tuner
    trials = {"big": (32, 48, 0.971, 2), "small": (32, 32, 0.965, 2), "worse": (32, 32, 0.90, 2),
              "short": (16, 16, 0.99, 1)}
    for trial_id, (n_a, n_s, score, epochs) in trials.items():
        hp = tuning.search_space()
        hp.values.update({"n_a": n_a, "n_s": n_s, "tuner/epochs": epochs, "tuner/initial_epoch": 0})
        trial = keras_tuner.engine.trial.Trial(hp, trial_id=trial_id, status="COMPLETED")
        trial.score = score
        tuner.oracle.trials[trial_id] = trial
        tuner.trial_parameters[trial_id] = tuner.hypermodel.build(hp).count_params()
    best = tuner.get_best_hyperparameters(4)
    # Among the trials trained for the most epochs, 0.965 is within SCORE_TOLERANCE of 0.971: the smaller model
    # wins; 0.90 is not good enough; a trial trained for fewer epochs, whatever its score, comes last.
    assert [(hp.get("n_a"), hp.get("n_s")) for hp in best] == [(32, 32), (32, 48), (32, 32), (16, 16)]
    assert best[2] is tuner.oracle.trials["worse"].hyperparameters
    records = tuning.trial_records(tuner)
    assert {r["trial_id"]: r["parameters"] for r in records} == tuner.trial_parameters
    assert {r["trial_id"]: r["epochs"] for r in records} == {k: v[3] for k, v in trials.items()}
    assert all(set(r["hyperparameters"]) == {"n_a", "n_s"} for r in records)
    # The Trainer takes only the sizes of what the Tuner writes (not Hyperband's tuner/... values).
    assert training.hyperparameter_values(best[0].get_config()) == {"n_a": 32, "n_s": 32}


def test_below_the_ranked_score_the_tuner_chooses_the_lowest_validation_loss_not_the_smallest(
        transformed_data, tmp_path):
    """Exact match near 0 ranks nothing (a few lucky strings): the smallest such trial is no choice."""
    tuner = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path), {
        "max_trials": 3, "epochs": 2, "trial_examples": 100, "batch_size": 50})).tuner
    trials = {"tiny": (16, 16, 0.03, 0.98, 2), "mid": (32, 96, 0.02, 0.79, 2), "big": (128, 32, 0.0, 1.96, 2),
              "short": (32, 32, 0.04, 0.70, 1)}
    for trial_id, (n_a, n_s, score, val_loss, epochs) in trials.items():
        hp = tuning.search_space()
        hp.values.update({"n_a": n_a, "n_s": n_s, "tuner/epochs": epochs, "tuner/initial_epoch": 0})
        trial = keras_tuner.engine.trial.Trial(hp, trial_id=trial_id, status="COMPLETED")
        trial.score = score
        trial.metrics.register("val_loss", direction="min")
        trial.metrics.update("val_loss", val_loss, step=epochs - 1)
        tuner.oracle.trials[trial_id] = trial
        tuner.trial_parameters[trial_id] = tuner.hypermodel.build(hp).count_params()
    assert max(t.score for t in tuner.oracle.trials.values()) < tuning.MIN_RANKED_SCORE
    best = tuner.get_best_hyperparameters(4)
    assert [(hp.get("n_a"), hp.get("n_s")) for hp in best] == [(32, 96), (16, 16), (128, 32), (32, 32)]
    assert "lowest validation loss" in tuner.choice_rule() and "--trial-examples" in tuner.choice_rule()
    assert {r["trial_id"]: r["val_loss"] for r in tuning.trial_records(tuner)} == {
        k: v[3] for k, v in trials.items()}
    # One trial trained longest reaching the ranked score: exact match decides again, among those that reach it.
    tuner.oracle.trials["big"].score = tuning.MIN_RANKED_SCORE
    assert (best := tuner.get_best_hyperparameters(2)) and (best[0].get("n_a"), best[0].get("n_s")) == (128, 32)
    assert (best[1].get("n_a"), best[1].get("n_s")) == (16, 16)  # then the others by exact match
    assert "smallest model within" in tuner.choice_rule()


def _trial_val_losses(transformed_data, working_dir: str, seed: int) -> list[float]:
    result = tuning.tuner_fn(make_fn_args(transformed_data, working_dir,
                                          {"max_trials": 1, "epochs": 1, "trial_examples": 500, "batch_size": 100,
                                           "seed": seed, "verbose": 0}))
    result.tuner.search(**result.fit_kwargs)
    trials = sorted(result.tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    return [t.metrics.get_last_value("val_loss") for t in trials]


def test_the_seed_makes_the_tuners_trials_repeatable(transformed_data, tmp_path):
    """A trial's sizes are drawn with the seed, it starts from seeded weights and reads a seeded subsample of the
    training examples in the seed's order, so a search run again with the same seed scores its trial the same,
    and another seed differently."""
    first = _trial_val_losses(transformed_data, str(tmp_path / "a"), seed=3)
    assert len(first) == 1
    assert _trial_val_losses(transformed_data, str(tmp_path / "b"), seed=3) == first
    assert _trial_val_losses(transformed_data, str(tmp_path / "c"), seed=4) != first


class _GarbageWatch(keras.callbacks.Callback):
    """Records, at each trial's end, how many objects garbage collection leaves out (gc.get_freeze_count) and
    a weak reference to the trial's model (class attributes: keras-tuner copies a trial's callbacks)."""

    frozen: list[int] = []
    models: list[weakref.ref] = []

    def on_train_end(self, logs=None):
        _GarbageWatch.frozen.append(gc.get_freeze_count())
        _GarbageWatch.models.append(weakref.ref(self.model))


def test_the_search_leaves_older_objects_out_of_garbage_collection_and_still_frees_each_trials_model(
        transformed_data, tmp_path):
    """keras-tuner and Keras collect garbage before every trial; the objects older than the search are left out of
    those collections (they took most of a second each), the previous trials' models are still freed, and the
    process collects everything again once the search ends."""
    result = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path), {
        "max_trials": 2, "epochs": 2, "trial_examples": 300, "batch_size": 100, "seed": 1, "verbose": 0}))
    _GarbageWatch.frozen.clear()
    _GarbageWatch.models.clear()
    result.tuner.search(**{**result.fit_kwargs, "callbacks": [*result.fit_kwargs["callbacks"], _GarbageWatch()]})
    assert len(_GarbageWatch.frozen) == 2 and min(_GarbageWatch.frozen) > 100_000, _GarbageWatch.frozen
    assert _GarbageWatch.models[0]() is None  # the first trial's model, freed when the second was built
    assert gc.get_freeze_count() == 0


def test_hyperband_continues_the_better_trials_and_prints_one_line_per_trial_and_its_choice(
        transformed_data, tmp_path, capsys):
    result = tuning.tuner_fn(make_fn_args(transformed_data, str(tmp_path), {
        "max_trials": 5, "epochs": 2, "trial_examples": 300, "batch_size": 100, "seed": 1, "verbose": 0}))
    capsys.readouterr()
    result.tuner.search(**result.fit_kwargs)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 * 5 + 1, lines
    assert lines[0].startswith("trial 1/5: n_a ") and lines[0].endswith(" parameters), 1 epoch")
    assert lines[1].startswith("trial 1/5: validation exact match ")
    # Hyperband's first bracket: two 1-epoch trials, the better one trained on to 2 epochs from its checkpoint.
    records = tuning.trial_records(result.tuner)
    assert [(r["initial_epoch"], r["epochs"]) for r in records] == [(0, 1), (0, 1), (1, 2), (0, 2), (0, 2)]
    better = max(records[:2], key=lambda r: r["score"])
    assert records[2]["continues"] == better["trial_id"]
    assert records[2]["hyperparameters"] == better["hyperparameters"]
    assert "continuing trial" in lines[4]
    assert lines[-1].startswith("chosen: n_a ") and "trained for 2 epochs" in lines[-1]
    # Each trial's epoch is as much work as the subsample's 3 batches at the reference sizes.
    for t in result.tuner.oracle.trials.values():
        relative = tuning.relative_cost(result.tuner.model_config(t.hyperparameters))
        assert result.tuner.trial_examples[t.trial_id] == 100 * tuning.trial_batches(3, relative)


def test_trials_of_costlier_sizes_train_on_fewer_examples_for_the_same_work():
    reference = model_lib.ModelConfig(input_vocab_size=40, output_vocab_size=13, **tuning.REFERENCE_SIZES)
    assert tuning.relative_cost(reference) == 1
    assert tuning.relative_cost(dataclasses.replace(reference, n_a=128, n_s=256)) > 10
    smallest = tuning.relative_cost(dataclasses.replace(reference, n_a=16, n_s=16))
    assert smallest < 1 and tuning.trial_batches(100, smallest) == 100  # cheaper sizes: the whole subsample
    assert tuning.trial_batches(100, 4.0) == 25 and tuning.trial_batches(100, 1000.0) == 1


def _rows_of_random_length(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n rows of padded input ids of random lengths 1..Tx-1 and ids of their targets (the row's index)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, features.TX, n)
    human = np.where(np.arange(features.TX)[None, :] < lengths[:, None], 5, features.PAD_ID).astype(np.int64)
    return human, np.arange(n, dtype=np.int64)


def test_training_batches_hold_every_row_once_grouped_by_length_and_repeat_with_the_seed():
    human, index = _rows_of_random_length(2000, seed=3)
    dataset = tf.data.Dataset.from_tensor_slices((human, index)).shuffle(2000, seed=1)
    batches = training.group_by_length(dataset, 2000, batch_size=30, seed=1)
    assert int(batches.cardinality()) == 67  # ceil(2000 / 30), known for the learning-rate warm-up
    epoch = [(h.numpy(), i.numpy()) for h, i in batches]
    assert len(epoch) == 67
    assert sorted(np.concatenate([i for _, i in epoch]).tolist()) == list(range(2000))  # every row once
    lengths = [(h != features.PAD_ID).sum(axis=1) for h, _ in epoch]
    spread = np.mean([b.max() - b.min() for b in lengths])
    random_spread = np.mean([np.ptp((human[i:i + 30] != 0).sum(1)) for i in range(0, 2000, 30)])
    assert spread < random_spread / 10  # batches of about one length: padded to about their own length
    # Batches are not in order of length (the windows' batches are shuffled) ...
    assert not np.all(np.diff([b.mean() for b in lengths]) >= 0)
    # ... and the same seed gives the same batches; the next epoch another order.
    again = [i.numpy() for _, i in training.group_by_length(
        tf.data.Dataset.from_tensor_slices((human, index)).shuffle(2000, seed=1), 2000, 30, seed=1)]
    assert all(np.array_equal(a, b) for a, b in zip(again, (i for _, i in epoch), strict=True))
    second = [i.numpy() for _, i in batches]
    assert not all(np.array_equal(a, b) for a, b in zip(second, (i for _, i in epoch), strict=True))
