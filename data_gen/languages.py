"""The languages the grammar writes: English and six more (ISO 639-1 code -> English name)."""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "French", "de": "German", "es": "Spanish",
                                  "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}
LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)
FOREIGN_LANGUAGES: tuple[str, ...] = LANGUAGES[1:]
