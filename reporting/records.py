"""Reading a pipeline run back from ML Metadata: its components, their timings and artifacts."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

_EXECUTION_STATES = metadata_store_pb2.Execution.State


@dataclasses.dataclass(frozen=True)
class ComponentRecord:
    """One component's execution in a run."""

    node_id: str
    state: str  # COMPLETE, CACHED, FAILED, RUNNING, ...
    started_ms: int  # milliseconds since the epoch: the execution's creation in ML Metadata
    ended_ms: int  # its last update (its end, once it has ended)

    @property
    def seconds(self) -> float:
        return (self.ended_ms - self.started_ms) / 1000


class RunRecords:
    """The artifacts and executions ML Metadata holds for one run of a pipeline."""

    def __init__(self, store: metadata_store.MetadataStore, pipeline_name: str, run_id: str):
        self.store = store
        self.pipeline_name = pipeline_name
        self.run_id = run_id
        context = store.get_context_by_type_and_name("pipeline_run", run_id)
        if context is None:
            raise LookupError(f"no run {run_id!r} of pipeline {pipeline_name!r} in ML Metadata")
        self.context = context
        # The run's output artifacts (including ones reused from cache), oldest first; read once.
        self._artifacts = sorted(store.get_artifacts_by_context(context.id), key=lambda a: a.id)

    def artifact(self, type_name: str, producer: str | None = None) -> metadata_store_pb2.Artifact | None:
        """The run's newest artifact of a type, optionally from one component (its URI names it)."""
        return newest_artifact(self._artifacts, type_name, producer)

    def producer_span_ms(self, artifact: metadata_store_pb2.Artifact) -> tuple[int, int] | None:
        """When the execution that made `artifact` started and ended (ms since the epoch): for an artifact
        reused from cache, the earlier run's execution that made it; None if ML Metadata has none."""
        outputs = {e.execution_id for e in self.store.get_events_by_artifact_ids([artifact.id])
                   if e.type == metadata_store_pb2.Event.OUTPUT}
        made = [e for e in self.store.get_executions_by_id(sorted(outputs))
                if e.last_known_state == _EXECUTION_STATES.COMPLETE]
        if not made:
            return None
        first = min(made, key=lambda e: e.id)
        return first.create_time_since_epoch, first.last_update_time_since_epoch

    def components(self) -> list[ComponentRecord]:
        """Every component that ran (or was served from cache) in this run, in execution order."""
        records = []
        for execution in sorted(self.store.get_executions_by_context(self.context.id), key=lambda e: e.id):
            node = next((c.name for c in self.store.get_contexts_by_execution(execution.id)
                         if c.type == "node"), execution.type)
            records.append(ComponentRecord(
                node_id=node.removeprefix(f"{self.pipeline_name}."),
                state=_EXECUTION_STATES.Name(execution.last_known_state),
                started_ms=execution.create_time_since_epoch, ended_ms=execution.last_update_time_since_epoch))
        return records


class InputArtifacts:
    """A component executor's input artifacts, answering like RunRecords (no ML Metadata access)."""

    context = None
    store = None

    def __init__(self, pipeline_name: str, run_id: str, artifacts: Iterable[Any]):
        self.pipeline_name = pipeline_name
        self.run_id = run_id
        self._artifacts = [_typed_proto(a) for a in artifacts]  # from tfx.types.Artifact

    def artifact(self, type_name: str, producer: str | None = None) -> metadata_store_pb2.Artifact | None:
        return newest_artifact(self._artifacts, type_name, producer)

    def producer_span_ms(self, artifact: metadata_store_pb2.Artifact) -> tuple[int, int] | None:
        return None

    def components(self) -> list[ComponentRecord]:
        return []


def run_span_ms(components: Iterable[ComponentRecord]) -> tuple[int, int] | None:
    """When a run's first component started and its last one ended (ms since the epoch); None without any."""
    components = list(components)
    if not components:
        return None
    return min(c.started_ms for c in components), max(c.ended_ms for c in components)


def newest_artifact(artifacts: Iterable[metadata_store_pb2.Artifact], type_name: str,
                    producer: str | None = None) -> metadata_store_pb2.Artifact | None:
    """The last artifact of a type, optionally from one component (its URI names it), or None."""
    found = [a for a in artifacts if a.type == type_name and (producer is None or f"/{producer}/" in a.uri)]
    return found[-1] if found else None


def _typed_proto(artifact) -> metadata_store_pb2.Artifact:
    """A tfx Artifact's ML Metadata proto, with its type name filled in."""
    proto = metadata_store_pb2.Artifact()
    proto.CopyFrom(artifact.mlmd_artifact)
    proto.type = artifact.type_name
    return proto


def open_store(connection_config: metadata_store_pb2.ConnectionConfig) -> metadata_store.MetadataStore:
    return metadata_store.MetadataStore(connection_config)


def open_sqlite_store(path: str) -> metadata_store.MetadataStore:
    """An existing SQLite ML Metadata store (read back after a local run)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"no ML Metadata store at {path}: run the pipeline first (`make run`)")
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE
    return metadata_store.MetadataStore(config)


def latest_run(store: metadata_store.MetadataStore, pipeline_name: str) -> RunRecords:
    """The most recent run of `pipeline_name` in the store."""
    pipeline = store.get_context_by_type_and_name("pipeline", pipeline_name)
    if pipeline is None:
        raise LookupError(f"pipeline {pipeline_name!r} has never run against this ML Metadata store")
    run_ids = {c.id for c in store.get_children_contexts_by_context(pipeline.id)
               if c.type == "pipeline_run"}
    if not run_ids:
        raise LookupError(f"pipeline {pipeline_name!r} has no recorded runs")
    newest = max(store.get_contexts_by_id(list(run_ids)), key=lambda c: (c.create_time_since_epoch, c.id))
    return RunRecords(store, pipeline_name, newest.name)


def custom_value(artifact: metadata_store_pb2.Artifact, key: str):
    """An artifact's int or string custom property, or None."""
    if key not in artifact.custom_properties:
        return None
    value = artifact.custom_properties[key]
    return value.int_value if value.HasField("int_value") else value.string_value
