"""A loopback HTTP server answering the KFP v2beta1 REST endpoints `kfp.Client` uses, recording every request.

It keeps just enough state (pipelines, versions, experiments, runs, recurring runs) for the client's
calls to succeed, so a test can check what would reach a real cluster.
"""

from __future__ import annotations

import dataclasses
import email.parser
import email.policy
import http.server
import itertools
import json
import threading
import urllib.parse
from typing import Any

API = "/apis/v2beta1"


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or {"files": {name: bytes}} for multipart uploads


class KfpContractServer:
    def __init__(self):
        self.requests: list[Request] = []
        self.errors: list[str] = []
        self.pipelines: dict[str, dict] = {}
        self.versions: dict[str, dict] = {}
        self.experiments: dict[str, dict] = {}
        self.runs: dict[str, dict] = {}
        self.recurring_runs: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> KfpContractServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def calls(self, method: str, path: str) -> list[Request]:
        """The recorded requests to one endpoint (path after /apis/v2beta1)."""
        return [r for r in self.requests if r.method == method and r.path == API + path]

    def _new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids)}"

    # --- the endpoints ---------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        if path == API + "/healthz" and method == "GET":
            return 200, {"multi_user": False}
        if path == API + "/pipelines" and method == "GET":
            wanted = _filter_value(query)
            found = [p for p in self.pipelines.values() if wanted is None or p["display_name"] == wanted]
            return 200, {"pipelines": [_public(p) for p in found], "total_size": len(found)}
        if path == API + "/pipelines/upload" and method == "POST":
            pipeline = {"pipeline_id": self._new_id("pipeline"), "display_name": query["name"][0],
                        "package": body["files"]["uploadfile"]}
            self.pipelines[pipeline["pipeline_id"]] = pipeline
            return 200, _public(pipeline)
        if path == API + "/pipelines/upload_version" and method == "POST":
            pipeline_id = query["pipelineid"][0]
            if pipeline_id not in self.pipelines:
                return 404, {"error": f"pipeline {pipeline_id} not found"}
            version = {"pipeline_version_id": self._new_id("version"), "pipeline_id": pipeline_id,
                       "display_name": query["name"][0], "package": body["files"]["uploadfile"]}
            self.versions[version["pipeline_version_id"]] = version
            return 200, _public(version)
        if path == API + "/experiments" and method == "GET":
            wanted = _filter_value(query)
            found = [e for e in self.experiments.values() if wanted is None or e["display_name"] == wanted]
            return 200, {"experiments": found, "total_size": len(found)}
        if path == API + "/experiments" and method == "POST":
            experiment = {**body, "experiment_id": self._new_id("experiment")}
            self.experiments[experiment["experiment_id"]] = experiment
            return 200, experiment
        if path == API + "/runs" and method == "POST":
            run = {**body, "run_id": self._new_id("run"), "state": "PENDING"}
            self.runs[run["run_id"]] = run
            return 200, run
        if path == API + "/recurringruns" and method == "POST":
            recurring = {**body, "recurring_run_id": self._new_id("recurring"), "status": "ENABLED"}
            self.recurring_runs[recurring["recurring_run_id"]] = recurring
            return 200, recurring
        if path == API + "/recurringruns" and method == "GET":
            experiment = query.get("experiment_id", [None])[0]
            found = [r for r in self.recurring_runs.values()
                     if experiment is None or r.get("experiment_id") == experiment]
            return 200, {"recurringRuns": found, "total_size": len(found)}
        if path.startswith(API + "/recurringruns/") and path.endswith(":disable") and method == "POST":
            recurring_id = path[len(API + "/recurringruns/"):-len(":disable")]
            if recurring_id not in self.recurring_runs:
                return 404, {"error": f"recurring run {recurring_id} not found"}
            self.recurring_runs[recurring_id]["status"] = "DISABLED"
            return 200, {}
        return 404, {"error": f"not a KFP v2beta1 endpoint this server knows: {method} {path}"}

    def _handler_class(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self, method: str):
                try:
                    self._answer(method)
                except Exception as e:  # noqa: BLE001 - answer 500 and keep the error for the test
                    server.errors.append(repr(e))
                    self.send_error(500, repr(e))

            def _answer(self, method: str):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = _parse_body(self.headers.get("Content-Type", ""), raw)
                server.requests.append(Request(method, url.path, query, body))
                status, payload = server.handle(method, url.path, query, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler


def _public(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "package"}


def _filter_value(query: dict) -> str | None:
    """The display_name a list call filters on (kfp sends a JSON filter), or None."""
    raw = query.get("filter", [None])[0]
    if not raw:
        return None
    predicates = json.loads(raw).get("predicates", [])
    for p in predicates:
        if p.get("key") in ("display_name", "name"):
            return p.get("string_value") or p.get("stringValue")
    return None


def _parse_body(content_type: str, raw: bytes) -> Any:
    if not raw:
        return None
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        return {"files": {part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
                          for part in message.iter_parts()}}
    return json.loads(raw)
