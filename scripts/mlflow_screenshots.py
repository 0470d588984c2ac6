"""Screenshots of MLflow's own web UI for docs/mlflow.md: the experiment's runs page and its newest pipeline
run's page, taken by headless Chromium from `mlflow server` over a run's MLflow store, on a free loopback port.

    .venv/bin/python -m scripts.mlflow_screenshots                     # after `make run`: outputs/mlflow
    .venv/bin/python -m scripts.mlflow_screenshots --backend-store-uri sqlite:///path/mlflow.db --out docs/images

Needs Chromium (Debian: `apt-get install chromium`). The browser is driven over the Chrome DevTools Protocol
(websocket-client, a dependency of the project's own): a fresh profile, as a first visit, except that MLflow's
assistant panel is not opened on its own; each page is opened as a user opens it (the experiment with
`?workflowType=machine_learning`, tracking.UI_WORKFLOW) and must show what the run recorded (run name, source,
dataset, description) before it is captured; a page that does not is an error, not a picture.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import itertools
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence

import websocket
from mlflow.tracking import MlflowClient
from mlflow.utils import mlflow_tags
from PIL import Image

from pipeline import configs
from reporting import tracking

WINDOW = (1400, 1000)
SHOT_WIDTH = 1100  # pixels of the PNG written; a few hundred KB at most
# Set in the browser's storage for the server's origin before the first page: MLflow's assistant panel stays
# closed (it opens itself on a first visit), and the runs table shows each pipeline run's nested runs.
STORED = {"mlflow.assistant.fab.autoOpenedOnFirstLoad_v1": "true", "mlflow.assistant.panelOpen_v1": "false"}
PAGE_TIMEOUT = 90  # seconds for a page to show what it must


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before answering {url}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5):
            return
        time.sleep(1)
    raise TimeoutError(f"nothing answered {url} within {timeout:.0f} s")


@contextlib.contextmanager
def mlflow_server(backend_store_uri: str, log_path: str) -> Iterator[str]:
    """`mlflow server` over the store on a free loopback port; yields its URL."""
    port = _free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    mlflow_cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    with open(log_path, "w") as log:
        server = subprocess.Popen([mlflow_cli, "server", "--host", "127.0.0.1", "--port", str(port), "--workers",
                                   "1", "--backend-store-uri", backend_store_uri],
                                  stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/health", 180, server)
        yield url
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


class Browser:
    """Headless Chromium, one page, driven over the DevTools Protocol."""

    def __init__(self, profile: str):
        executable = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if executable is None:
            raise FileNotFoundError("no Chromium on PATH: install it (Debian: apt-get install chromium)")
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.socket = None
        try:
            self._connect(profile)
        except BaseException:
            self.close()  # a browser that cannot be driven is not left running
            raise

    def _connect(self, profile: str) -> None:
        port_file = pathlib.Path(profile, "DevToolsActivePort")  # Chromium writes its port there
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self._ids = itertools.count(1)
        self.call("Emulation.setDeviceMetricsOverride", width=WINDOW[0], height=WINDOW[1], deviceScaleFactor=1,
                  mobile=False)

    def call(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def store(self, origin: str, items: dict[str, str]) -> None:
        """Sets `items` in the local storage of `origin` (opened at a page that runs no script of its own)."""
        self.call("Page.navigate", url=f"{origin}/health")
        deadline = time.monotonic() + 30
        while self.call("Runtime.evaluate", expression="location.origin", returnByValue=True)["result"].get(
                "value") != origin:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the browser did not open {origin}/health")
            time.sleep(0.2)
        self.call("Runtime.evaluate", expression=f"Object.entries({json.dumps(items)})"
                                                 ".forEach(([k, v]) => localStorage.setItem(k, v))")

    def text(self) -> str:
        result = self.call("Runtime.evaluate", expression="document.body ? document.body.innerText : ''",
                           returnByValue=True)
        return result["result"].get("value", "")

    def open(self, url: str, must_show: Sequence[str]) -> str:
        """Opens `url` and waits until the page shows every string of `must_show`; returns the page's text."""
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + PAGE_TIMEOUT
        while True:
            text = self.text()
            missing = [s for s in must_show if s not in text]
            if not missing:
                time.sleep(2)  # charts and icons finish drawing
                return self.text()
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} does not show {missing} after {PAGE_TIMEOUT} s; it shows:\n{text[:3000]}")
            time.sleep(1)

    def screenshot(self, path: str) -> str:
        """The page as a PNG of SHOT_WIDTH pixels across, in a 256-colour palette (UI colours are few)."""
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        with Image.open(io.BytesIO(data)) as image:
            height = round(image.height * SHOT_WIDTH / image.width)
            small = image.convert("RGB").resize((SHOT_WIDTH, height), Image.LANCZOS).quantize(256)
            small.save(path, optimize=True)
        return path

    def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                self.socket.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


def newest_pipeline_run(backend_store_uri: str, experiment: str):
    """The experiment and its newest parent (pipeline) run."""
    client = MlflowClient(backend_store_uri)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise LookupError(f"no experiment {experiment!r} in {backend_store_uri}: run the pipeline first")
    runs = client.search_runs([found.experiment_id], order_by=["attributes.start_time DESC"])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    if not parents:
        raise LookupError(f"no pipeline run in experiment {experiment!r}")
    return found, parents[0]


def take(backend_store_uri: str, experiment: str, out_dir: str) -> list[str]:
    """Writes mlflow_runs.png and mlflow_run.png into `out_dir`; returns their paths."""
    found, run = newest_pipeline_run(backend_store_uri, experiment)
    os.makedirs(out_dir, exist_ok=True)
    description = run.data.tags[mlflow_tags.MLFLOW_RUN_NOTE].splitlines()[0].replace("`", "")
    source = run.data.tags[mlflow_tags.MLFLOW_SOURCE_NAME].rsplit("/", 1)[-1]
    datasets = [d.dataset.name for d in run.inputs.dataset_inputs]
    with tempfile.TemporaryDirectory() as scratch, mlflow_server(backend_store_uri,
                                                                 os.path.join(scratch, "server.log")) as url:
        browser = Browser(os.path.join(scratch, "profile"))
        try:
            page_state = f'MLflowLocalStorage-1.1-ExperimentPage-["{found.experiment_id}"]-ReactComponentState'
            browser.store(url, {**STORED, page_state: json.dumps({"runsExpanded": {run.info.run_id: True}})})
            experiment_page = f"{url}/#/experiments/{found.experiment_id}?{tracking.UI_WORKFLOW}"
            browser.open(experiment_page, must_show=[run.info.run_name, "Model training"])
            runs_png = browser.screenshot(os.path.join(out_dir, "mlflow_runs.png"))
            run_page = f"{url}/#/experiments/{found.experiment_id}/runs/{run.info.run_id}?{tracking.UI_WORKFLOW}"
            browser.open(run_page, must_show=[run.info.run_name, description[:40], source, *datasets])
            run_png = browser.screenshot(os.path.join(out_dir, "mlflow_run.png"))
        finally:
            browser.close()
    return [runs_png, run_png]


def main(argv: Sequence[str] | None = None) -> int:
    defaults = configs.Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend-store-uri", help="default: the main job's local store (outputs/mlflow)")
    parser.add_argument("--experiment", default=defaults.mlflow_experiment)
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args(argv)
    store = args.backend_store_uri or tracking.local_settings(
        defaults.output_dir, defaults.mlflow_experiment, defaults.registered_model).tracking_uri
    for path in take(store, args.experiment, args.out):
        print(f"wrote {path} ({os.path.getsize(path) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
