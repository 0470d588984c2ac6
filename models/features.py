"""Feature names and vocabulary conventions shared by preprocessing, model and export."""

from data_gen.text import INPUT_LENGTH, OUTPUT_LENGTH  # noqa: F401 - INPUT_LENGTH: the longest text read

# Raw features (the ExampleGen contract).
HUMAN_KEY = "human"
ISO_KEY = "iso"  # "" when the input is not one complete, real calendar date
FORMAT_KEY = "format"  # the generator's family name, for sliced evaluation
LANGUAGE_KEY = "language"  # the text's language (ISO 639-1, data_gen.languages.LANGUAGES), for sliced evaluation
DAY_FIRST_KEY = "day_first"  # int 0/1: the reading preferred when both day-month orders are real dates
# 29 February of a common year as the text writes it ("2014-02-29"), "" for any other example: what the model
# writes for that refusal (data_gen.labels.written_leap_day); the serving graph's calendar refuses it.
WRITTEN_KEY = "written"

# Transformed features.
HUMAN_IDS_KEY = "human_ids"  # int64 [Tx]: input character ids, PAD_ID-padded
HUMAN_LENGTH_KEY = "human_length"  # int64: normalised length before padding/truncation
ISO_IDS_KEY = "iso_ids"  # int64 [Ty]: output character ids

# Vocabularies built by tensorflow-transform (artifacts of the Transform run).
INPUT_VOCAB_NAME = "human_chars"
OUTPUT_VOCAB_NAME = "iso_chars"
WORD_VOCAB_NAME = "human_words"  # the words (letter runs) of the training inputs: serving flags any other

# Input ids: 0 is padding, 1..V are the vocabulary's characters, V+1 is "never
# seen in training" (one OOV bucket). So the model's input depth is V + 2.
PAD_ID = 0
NUM_OOV_BUCKETS = 1

# The model reads the preference as one marker character before the normalised text. Upper-case letters
# never survive normalisation, so a marker cannot be confused with the text.
DAY_FIRST_MARKER = "D"
MONTH_FIRST_MARKER = "M"
# What the model writes for an input that is not a date, by the reason it is not one (data_gen.families'
# REFUSAL_REASONS): month 00 is never a calendar date, so a refusal is never mistaken for a date.
REFUSAL_TARGETS = {"not_a_date": "0000-00-00", "incomplete": "0000-00-01", "period": "0000-00-02",
                   "relative": "0000-00-03", "time": "0000-00-04", "range": "0000-00-05", "impossible": "0000-00-06"}
NOT_A_DATE_TARGET = REFUSAL_TARGETS["not_a_date"]

TX = INPUT_LENGTH + 1  # the marker and the normalised text
TY = OUTPUT_LENGTH


def input_depth(input_vocab_size: int) -> int:
    """One-hot depth of the input: padding + vocabulary + OOV bucket."""
    return input_vocab_size + 1 + NUM_OOV_BUCKETS
