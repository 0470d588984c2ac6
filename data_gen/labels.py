"""The one rule for what an `iso` label may be: AnomaliesGate applies it to every example.

A valid label is either
- a real calendar date written exactly `YYYY-MM-DD` inside the generator's range
  (formats.FIRST_DATE .. formats.LAST_DATE, 1900-01-01 .. 2099-12-31), or
- the empty string: the label of a negative example, an input that is "not a date".

Anything else ("2001-02-30", "2150-05-03", "not a date", "2001-2-3", "20010203") is invalid.
TFDV's schema language has no pattern constraint, so the pipeline applies this rule in
`components.anomalies_gate` rather than in schemas/schema.pbtxt.
"""

from __future__ import annotations

import datetime

from data_gen import formats

# The label of an input that is not a date (a negative example).
NOT_A_DATE = ""


def is_valid_label(iso: str) -> bool:
    """True for "" (not a date) and for a real YYYY-MM-DD date from 1900-01-01 to 2099-12-31."""
    if iso == NOT_A_DATE:
        return True
    try:
        date = datetime.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return False
    # fromisoformat also takes "20010203" and ISO week dates ("2001-W05-6"): only the
    # canonical spelling, which is what the generator writes, is a label.
    return date.isoformat() == iso and formats.FIRST_DATE <= date <= formats.LAST_DATE
