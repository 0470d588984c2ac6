"""Reporting a pipeline run: reading it back from ML Metadata, its summary, progress lines, MLflow tracking, figures.

Layering: imports data_gen, models and components, never pipeline, serving or kubeflow; settings arrive as
arguments.
"""
