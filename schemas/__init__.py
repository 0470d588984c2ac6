"""The curated schema of the raw examples (schemas/schema.pbtxt).

The schema is written by hand except for two value domains derived from
data_gen, which `python -m schemas` re-syncs (a test fails when they drift):
- `format`: the catalogue's format names;
- `iso_date`: every calendar date the generator can label. TFDV's schema
  language has no pattern constraint, so "iso is a real YYYY-MM-DD date in
  range" is expressed as this closed domain; StatisticsGen must then keep a
  rank histogram covering it (see STATS_OPTIONS) for the check to be exact.
"""

from __future__ import annotations

import datetime
import os

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from data_gen import formats

SCHEMA_DIR = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(SCHEMA_DIR, "schema.pbtxt")
FORMAT_DOMAIN = "format"
ISO_DATE_DOMAIN = "iso_date"


def label_dates() -> list[str]:
    """Every ISO date a generated label can take, in order."""
    first, last = formats.FIRST_DATE, formats.LAST_DATE
    return [(first + datetime.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


# StatisticsGen options: a rank histogram wide enough to hold every label date,
# so ExampleValidator sees every distinct iso value, not only the top 1000.
STATS_OPTIONS = tfdv.StatsOptions(num_rank_histogram_buckets=len(label_dates()) + 1000)


def _set_domain(schema: schema_pb2.Schema, name: str, values: list[str]) -> None:
    for domain in schema.string_domain:
        if domain.name == name:
            del domain.value[:]
            domain.value.extend(values)
            return
    schema.string_domain.add(name=name, value=values)


def synced(schema: schema_pb2.Schema) -> schema_pb2.Schema:
    """A copy of `schema` with the domains derived from data_gen brought up to date."""
    result = schema_pb2.Schema()
    result.CopyFrom(schema)
    _set_domain(result, FORMAT_DOMAIN, list(formats.FORMAT_NAMES))
    _set_domain(result, ISO_DATE_DOMAIN, label_dates())
    return result


def load_schema(path: str = SCHEMA_PATH) -> schema_pb2.Schema:
    return tfdv.load_schema_text(path)
