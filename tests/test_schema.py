"""The curated schema stays in step with data_gen and catches bad labels."""

from __future__ import annotations

import pandas as pd
import tensorflow_data_validation as tfdv

import schemas
from data_gen import formats, generator


def test_schema_domains_match_the_generator():
    schema = schemas.load_schema()
    assert schema == schemas.synced(schema), "run: .venv/bin/python -m schemas"
    domains = {d.name: list(d.value) for d in schema.string_domain}
    assert domains["format"] == list(formats.FORMAT_NAMES)
    assert domains["iso_date"][0] == "1900-01-01" and domains["iso_date"][-1] == "2099-12-31"
    assert "2000-02-29" in domains["iso_date"] and "1900-02-29" not in domains["iso_date"]


def test_labels_not_in_serving_environment_and_all_required():
    schema = schemas.load_schema()
    features = {f.name: f for f in schema.feature}
    assert set(features) == {"human", "iso", "format"}
    assert all(f.presence.min_fraction == 1.0 for f in features.values())
    assert "SERVING" in features["iso"].not_in_environment
    assert "SERVING" in features["format"].not_in_environment
    assert not features["human"].not_in_environment


def _anomalies(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    frame = pd.DataFrame(rows, columns=["human", "iso", "format"])
    stats = tfdv.generate_statistics_from_dataframe(frame, stats_options=schemas.STATS_OPTIONS)
    result = tfdv.validate_statistics(stats, schemas.load_schema(), environment="TRAINING")
    return {k: v.description for k, v in result.anomaly_info.items()}


def test_generated_data_has_no_anomalies_and_impossible_dates_do():
    rows = [tuple(e) for e in generator.generate(3000, seed=4)]
    assert _anomalies(rows) == {}
    bad = rows + [("31 Apr 2001", "2001-04-31", "d_mmm_y"), ("3 May 2150", "2150-05-03", "d_mmm_y")]
    found = _anomalies(bad)
    assert set(found) == {"iso"}
    assert "2001-04-31" in found["iso"] and "2150-05-03" in found["iso"]
