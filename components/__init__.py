"""Custom TFX components of the datenmt pipeline."""
