"""Re-syncs the derived domains of schemas/schema.pbtxt with data_gen: python -m schemas."""

import argparse

import tensorflow_data_validation as tfdv

import schemas

HEADER = """\
# Curated schema of the raw examples written by SyntheticDateExampleGen, imported
# with ImportSchemaGen; StatisticsGen and ExampleValidator check every split
# against it. Features are hand-written; the string domains "format" (the
# generator's families), "language" (the ISO 639-1 codes of the languages it
# writes) and "written" ("" and 29 February of each common year it writes) are
# derived from data_gen: run `.venv/bin/python -m schemas` after changing them.
# `format` and `language` slice the evaluation; `written` is what the model writes
# for 29 February of a common year (the serving graph's calendar refuses it); like
# the label `iso`, they are not in SERVING. `day_first` is the
# reading preference, an input in serving too. `iso` has no domain: AnomaliesGate
# checks every label against data_gen.labels.is_valid_label (a real YYYY-MM-DD
# date in 1900-2099, or "" when the text is not a date).
"""

if __name__ == "__main__":
    argparse.ArgumentParser(prog="python -m schemas", description=__doc__).parse_args()
    schema = schemas.synced(schemas.load_schema())
    tfdv.write_schema_text(schema, schemas.SCHEMA_PATH)
    with open(schemas.SCHEMA_PATH, encoding="utf-8") as f:
        body = f.read()
    with open(schemas.SCHEMA_PATH, "w", encoding="utf-8") as f:
        f.write(HEADER + body)
    print(f"wrote {schemas.SCHEMA_PATH}")
