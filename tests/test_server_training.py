"""The training API against the real server (``python -m server`` in a subprocess, real SQLite,
real worker processes, real torch): uploads and checks, bad input, a tiny training job with
progress events, cancel/resume, FIFO queueing, restart persistence and the access token."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from nam_web import namfile, wav
from nam_web.train import signal
from train_support import quick_pair

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.train
pytest.importorskip("torch", reason="torch (the train extra) is not installed")

FAST = {"arch": "nano", "epochs": 2, "batch_size": 2, "segment": 2048, "steps_per_epoch": 2}
"""A training request that finishes in seconds."""
SLOW = {**FAST, "epochs": 500}
"""One that keeps a worker busy until cancelled."""


class Server:
    """``python -m server`` on a free port with its own data folder."""

    def __init__(self, data: Path, **env: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.data = data
        environ = {
            **os.environ,
            "NAM_WEB_DATA": str(data),
            "NAM_WEB_TRAIN_WORKERS": "1",
            "NAM_WEB_MAX_UPLOAD_MB": "8",
            "NAM_WEB_TRAIN_THREADS": "1",
            **env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--port", str(self.port)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60.0)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if self.client.get("/api/config").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in 90 s")

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()  # graceful: the runner stops its workers
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _wav_bytes(x: np.ndarray, bits: int = 32) -> bytes:
    return wav.encode(x, signal.SAMPLE_RATE, bits=bits)


@pytest.fixture(scope="module")
def pair() -> tuple[bytes, bytes]:
    x, y = quick_pair()
    return _wav_bytes(x, 24), _wav_bytes(y)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("data"))
    yield srv
    srv.stop()


def upload(client: httpx.Client, output: bytes, input: bytes | None = None, **form: str) -> httpx.Response:
    files = {"output": ("amp.wav", output, "audio/wav")}
    if input is not None:
        files["input"] = ("input.wav", input, "audio/wav")
    return client.post("/api/train/jobs", files=files, data=form)


def wait_for(client: httpx.Client, job_id: str, states: tuple[str, ...], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/train/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {states}: {job}")


def test_capture_signal_download(server):
    r = server.client.get("/api/train/capture-signal.wav", params={"variant": "quick"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    audio = wav.read(r.content)
    assert audio.bits == 24 and audio.sample_rate == 48_000
    assert np.array_equal(audio.mono(), signal.capture_signal(signal.QUICK))
    assert server.client.get("/api/train/capture-signal.wav", params={"variant": "nope"}).status_code == 404
    assert r.headers["cross-origin-embedder-policy"] == "require-corp"


def test_upload_checks_and_a_tiny_training_job(server, pair):
    y_bytes = pair[1]
    r = upload(server.client, y_bytes, signal_variant="quick", name="My amp")  # input = our signal
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["state"] == "created" and job["analysis"]["passed"]
    assert job["analysis"]["input"]["kind"] == "nam-web-quick" and job["analysis"]["latency"] == 36
    job_id = job["id"]
    meta = {"name": "My amp", "gear_type": "amp", "tone_type": "crunch", "input_level_dbu": 12.5}
    r = server.client.post(f"/api/train/jobs/{job_id}/start", json={**FAST, "metadata": meta})
    assert r.status_code == 200 and r.json()["state"] in ("queued", "running")
    events = []
    with server.client.stream("GET", f"/api/train/jobs/{job_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["state"] == "finished", events[-1]
    assert events[-1]["progress"]["epoch"] == 2 and len(events[-1]["history"]) == 2
    report = server.client.get(f"/api/train/jobs/{job_id}/report").json()
    assert report["validation_esr"] > 0 and report["quality"] and len(report["plot"]["target"]) > 10
    model = server.client.get(f"/api/train/jobs/{job_id}/files/model.nam")
    assert model.status_code == 200 and "My%20amp.nam" in model.headers["content-disposition"]
    doc = namfile.loads(model.content)
    assert doc.version.startswith("0.5.") and doc.metadata["input_level_dbu"] == 12.5
    residual = wav.read(server.client.get(f"/api/train/jobs/{job_id}/files/residual.wav").content)
    assert residual.frames == signal.layout(signal.QUICK)["validation_2"].length
    assert job_id in [j["id"] for j in server.client.get("/api/train/jobs").json()]


def test_explicit_input_upload_and_manual_latency(server, pair):
    x_bytes, y_bytes = pair
    r = upload(server.client, y_bytes, x_bytes, latency="30")
    assert r.status_code == 201, r.text
    assert r.json()["analysis"]["latency"] == 30


@pytest.mark.parametrize(
    ("make", "status", "words"),
    [
        (lambda x, y: {"output": ("amp.wav", b"hello, not audio", "audio/wav")}, 400, "not a WAV file"),
        (lambda x, y: {"output": ("amp.wav", y[:30], "audio/wav")}, 400, "WAV"),
        (lambda x, y: {"output": ("amp.mp3", y, "audio/mpeg")}, 415, "not a .wav"),
        (lambda x, y: {"output": ("../../etc/amp.wav", y, "audio/wav")}, 400, "contains a path"),
        (lambda x, y: {"output": ("amp.wav", b"", "audio/wav")}, 400, "empty"),
        (
            lambda x, y: {"output": ("amp.wav", _wav_bytes(wav.read(y).mono()[:-96_000]), "audio/wav")},
            422,
            "shorter",
        ),
        (
            lambda x, y: {"output": ("amp.wav", wav.encode(wav.read(y).mono(), 44_100), "audio/wav")},
            422,
            "44100 Hz",
        ),
        (
            lambda x, y: {"output": ("amp.wav", _wav_bytes(np.zeros(wav.read(y).frames)), "audio/wav")},
            422,
            "silent",
        ),
        (lambda x, y: {"output": ("amp.wav", b"RIFF" + bytes(9 * 2**20), "audio/wav")}, 413, "limit"),
    ],
)
def test_bad_uploads_get_clear_4xx(server, pair, make, status, words):
    x_bytes, y_bytes = pair
    r = server.client.post("/api/train/jobs", files=make(x_bytes, y_bytes), data={"signal_variant": "quick"})
    assert r.status_code == status, r.text
    assert words in json.dumps(r.json()["detail"])


def test_unknown_jobs_and_bad_requests(server, pair):
    c = server.client
    for path in (
        "/api/train/jobs/0123456789abcdef",
        "/api/train/jobs/..%2F..%2Fetc",
        "/api/train/jobs/0123456789abcdef/report",
        "/api/train/jobs/0123456789abcdef/files/model.nam",
    ):
        assert c.get(path).status_code == 404, path
    assert c.post("/api/train/jobs/0123456789abcdef/start", json=FAST).status_code == 404
    job_id = upload(c, pair[1], signal_variant="quick").json()["id"]
    assert c.post(f"/api/train/jobs/{job_id}/start", json={**FAST, "arch": "huge"}).status_code == 422
    assert c.post(f"/api/train/jobs/{job_id}/start", json={**FAST, "epochs": 0}).status_code == 422
    bad_meta = {**FAST, "metadata": {"gear_type": "toaster"}}
    assert c.post(f"/api/train/jobs/{job_id}/start", json=bad_meta).status_code == 422
    assert c.get(f"/api/train/jobs/{job_id}/files/secret.txt").status_code == 404
    assert c.get(f"/api/train/jobs/{job_id}/files/model.nam").status_code == 409  # not trained yet
    assert c.post(f"/api/train/jobs/{job_id}/cancel").status_code == 409
    assert c.delete(f"/api/train/jobs/{job_id}").status_code == 204
    assert c.get(f"/api/train/jobs/{job_id}").status_code == 404


def test_fifo_queue_cancel_and_resume_while_the_api_stays_responsive(server, pair):
    c = server.client
    first = upload(c, pair[1], signal_variant="quick").json()["id"]
    second = upload(c, pair[1], signal_variant="quick").json()["id"]
    c.post(f"/api/train/jobs/{first}/start", json=SLOW)
    c.post(f"/api/train/jobs/{second}/start", json=FAST)
    job = wait_for(c, first, ("running",))
    deadline = time.monotonic() + 120
    while not job.get("progress") and time.monotonic() < deadline:  # at least one epoch (a checkpoint)
        t0 = time.monotonic()
        job = c.get(f"/api/train/jobs/{first}").json()
        assert time.monotonic() - t0 < 2.0  # the API answers while a worker trains
        time.sleep(0.2)
    assert c.get(f"/api/train/jobs/{second}").json()["state"] == "queued"  # one worker: FIFO
    assert c.post(f"/api/train/jobs/{first}/cancel").status_code == 200
    cancelled = wait_for(c, first, ("cancelled",))
    epochs_done = len(cancelled["history"])
    assert epochs_done >= 1
    wait_for(c, second, ("finished",))  # the queue moves on
    c.post(f"/api/train/jobs/{first}/resume")
    resumed = wait_for(c, first, ("running",))
    assert resumed["error"] is None
    deadline = time.monotonic() + 60
    while len(resumed["history"]) <= epochs_done and time.monotonic() < deadline:
        resumed = c.get(f"/api/train/jobs/{first}").json()
        time.sleep(0.2)
    assert resumed["history"][epochs_done]["epoch"] == epochs_done + 1  # continued, not restarted
    c.post(f"/api/train/jobs/{first}/cancel")
    wait_for(c, first, ("cancelled",))


def test_restart_keeps_uploads_and_models_and_resumes_training(tmp_path, pair):
    srv = Server(tmp_path)
    c = srv.client
    done = upload(c, pair[1], signal_variant="quick").json()["id"]
    c.post(f"/api/train/jobs/{done}/start", json=FAST)
    wait_for(c, done, ("finished",))
    model_before = c.get(f"/api/train/jobs/{done}/files/model.nam").content
    waiting = upload(c, pair[1], signal_variant="quick").json()["id"]
    running = upload(c, pair[1], signal_variant="quick").json()["id"]
    c.post(f"/api/train/jobs/{running}/start", json=SLOW)
    job = wait_for(c, running, ("running",))
    while not job.get("progress"):
        job = c.get(f"/api/train/jobs/{running}").json()
        time.sleep(0.2)
    srv.stop()

    srv = Server(tmp_path)
    c = srv.client
    try:
        assert c.get(f"/api/train/jobs/{done}/files/model.nam").content == model_before
        assert c.get(f"/api/train/jobs/{waiting}").json()["state"] == "created"
        job = c.get(f"/api/train/jobs/{running}").json()
        assert job["state"] in ("queued", "running") and "resuming" in job["error"]
        epochs_before = len(job["history"])
        deadline = time.monotonic() + 60
        while len(job["history"]) <= epochs_before and time.monotonic() < deadline:
            job = c.get(f"/api/train/jobs/{running}").json()
            time.sleep(0.2)
        assert job["history"][epochs_before]["epoch"] == epochs_before + 1
        c.post(f"/api/train/jobs/{running}/cancel")
        wait_for(c, running, ("cancelled",))
    finally:
        srv.stop()


def test_token_is_required_when_set(tmp_path, pair):
    srv = Server(tmp_path, NAM_WEB_TOKEN="s3cret")
    try:
        assert srv.client.get("/api/train/jobs").status_code == 401
        assert srv.client.get("/api/train/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert (
            srv.client.get("/api/train/jobs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        )
        assert srv.client.get("/api/train/jobs", params={"token": "s3cret"}).status_code == 200
    finally:
        srv.stop()


def test_interrupted_job_without_checkpoint_is_marked_with_the_reason(tmp_path):
    from server.db import RUNNING, JobStore

    store = JobStore(tmp_path)
    job_id = store.create("lost")
    store.update(job_id, state=RUNNING, settings={"train": FAST})
    srv = Server(tmp_path)
    try:
        job = srv.client.get(f"/api/train/jobs/{job_id}").json()
        assert job["state"] == "interrupted" and "server stopped" in job["error"]
    finally:
        srv.stop()


def test_wizard_page_is_served_with_isolation_headers(server):
    r = server.client.get("/train.html")
    assert r.status_code == 200 and r.headers["cross-origin-opener-policy"] == "same-origin"
    assert io.BytesIO(r.content).read().count(b"train.js") == 1


def test_binding_beyond_localhost_needs_a_token():
    r = subprocess.run([sys.executable, "-m", "server", "--host", "0.0.0.0", "--port", "1"], cwd=ROOT,
                       env={k: v for k, v in os.environ.items() if k != "NAM_WEB_TOKEN"}, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "--token" in r.stderr
