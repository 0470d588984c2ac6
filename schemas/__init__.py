"""The curated schema of the raw examples (schemas/schema.pbtxt).

The schema is written by hand except for three value domains derived from data_gen,
which `python -m schemas` re-syncs (a test fails when any drifts):
- `format`: the generator's family names (data_gen.grammar.FAMILIES);
- `language`: the languages it writes, ISO 639-1 codes (data_gen.languages.LANGUAGES);
- `written`: "" and 29 February of each common year it writes (data_gen.labels.written_values).

`iso` has no domain. TFDV's schema language has no pattern constraint, and a closed
domain of all 73,049 dates from 1900 to 2099 (with a rank histogram wide enough to
hold them) cost more than it checked. Whether every label is a real date in range
is checked exactly, example by example, by `components.anomalies_gate.AnomaliesGate`
with the rule in `data_gen.labels.is_valid_label`.
"""

from __future__ import annotations

import os

import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from data_gen import grammar, labels, languages

SCHEMA_DIR = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(SCHEMA_DIR, "schema.pbtxt")
FORMAT_DOMAIN = "format"
LANGUAGE_DOMAIN = "language"
WRITTEN_DOMAIN = "written"

# StatisticsGen options: TFDV's defaults. Nothing in the schema needs more than the
# default top-1000 rank histogram (`format` has 29 families); kept as a named object so
# the pipeline has one place to change them.
STATS_OPTIONS = tfdv.StatsOptions()


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
    _set_domain(result, FORMAT_DOMAIN, list(grammar.FAMILIES))
    _set_domain(result, LANGUAGE_DOMAIN, list(languages.LANGUAGES))
    _set_domain(result, WRITTEN_DOMAIN, labels.written_values())
    return result


def load_schema(path: str = SCHEMA_PATH) -> schema_pb2.Schema:
    return tfdv.load_schema_text(path)
