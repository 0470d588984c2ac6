"""The datenmt TFX pipeline: one create_pipeline() and thin runners."""
