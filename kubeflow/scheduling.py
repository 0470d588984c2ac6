"""Submitting and scheduling the compiled package on a Kubeflow Pipelines (v2) endpoint with `kfp.Client`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import kfp


@dataclasses.dataclass(frozen=True)
class Target:
    """Where runs go: the KFP endpoint, its namespace, the experiment, the pipeline root."""

    endpoint: str
    experiment: str
    pipeline_root: str | None = None
    namespace: str | None = None


def make_client(target: Target) -> kfp.Client:
    return kfp.Client(host=target.endpoint, namespace=target.namespace)


def upload_version(client: kfp.Client, package_path: str, pipeline_name: str, version_name: str) -> tuple[str, str]:
    """Uploads the package as a new version of the named pipeline (creating the pipeline if needed).

    Returns (pipeline_id, version_id).
    """
    pipeline_id = client.get_pipeline_id(pipeline_name)
    if pipeline_id is None:
        pipeline = client.upload_pipeline(package_path, pipeline_name=pipeline_name)
        pipeline_id = pipeline.pipeline_id
    version = client.upload_pipeline_version(package_path, pipeline_version_name=version_name,
                                             pipeline_id=pipeline_id)
    return pipeline_id, version.pipeline_version_id


def experiment_id(client: kfp.Client, target: Target) -> str:
    return client.create_experiment(target.experiment, namespace=target.namespace).experiment_id


def submit_run(client: kfp.Client, target: Target, package_path: str, pipeline_name: str, version_name: str,
               params: Mapping[str, Any]) -> str:
    """One run of a new pipeline version; returns the run id."""
    pipeline_id, version_id = upload_version(client, package_path, pipeline_name, version_name)
    run = client.run_pipeline(
        experiment_id=experiment_id(client, target), job_name=f"{pipeline_name} {version_name}",
        pipeline_id=pipeline_id, version_id=version_id, params=dict(params), pipeline_root=target.pipeline_root)
    return run.run_id


def schedule_runs(client: kfp.Client, target: Target, package_path: str, pipeline_name: str,
                  version_name: str, cron: str, params: Mapping[str, Any], max_concurrency: int = 1) -> str:
    """A recurring run of a new pipeline version on a cron schedule; returns the recurring run id."""
    pipeline_id, version_id = upload_version(client, package_path, pipeline_name, version_name)
    recurring = client.create_recurring_run(
        experiment_id=experiment_id(client, target), job_name=f"{pipeline_name} {version_name} ({cron})",
        cron_expression=cron, max_concurrency=max_concurrency, no_catchup=True, enabled=True,
        pipeline_id=pipeline_id, version_id=version_id, params=dict(params), pipeline_root=target.pipeline_root)
    return recurring.recurring_run_id


def list_schedules(client: kfp.Client, target: Target) -> list[dict[str, str]]:
    """The experiment's recurring runs: id, name, cron, status."""
    response = client.list_recurring_runs(experiment_id=experiment_id(client, target), namespace=target.namespace,
                                          page_size=100)
    return [{"id": r.recurring_run_id, "name": r.display_name,
             "cron": r.trigger.cron_schedule.cron if r.trigger and r.trigger.cron_schedule else "",
             "status": str(r.status)} for r in (response.recurring_runs or [])]


def disable_schedule(client: kfp.Client, recurring_run_id: str) -> None:
    client.disable_recurring_run(recurring_run_id)
