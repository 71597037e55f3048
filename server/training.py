"""The training API (``/api/train/...``): capture signal, uploads and checks, jobs, progress, results.

Mounted by :func:`mount` (one line in ``server.app.create_app``), which also starts and stops the
:class:`~server.jobs.JobRunner` with the app. Settings come from the environment:

* ``NAM_WEB_DATA``: data folder (default ``./var``), jobs survive restarts there;
* ``NAM_WEB_TRAIN_WORKERS``: trainings at once (default 1; more are queued FIFO);
* ``NAM_WEB_TRAIN_THREADS``: torch threads per training (default: the cores shared out);
* ``NAM_WEB_MAX_UPLOAD_MB``: largest accepted WAV upload (default 200 MB);
* ``NAM_WEB_TOKEN``: when set, every training request must carry it (``Authorization: Bearer``,
  or ``?token=`` for links); required whenever the server listens beyond localhost.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import FileResponse, StreamingResponse
from nam_web import wav
from nam_web.errors import NamWebError
from nam_web.train import signal
from nam_web.train.checks import analyse_files
from nam_web.train.metadata import GEAR_TYPES, TONE_TYPES
from nam_web.train.presets import PRESETS
from pydantic import BaseModel, Field

from server.db import ACTIVE, CREATED, FINISHED, RUNNING, JobStore, data_dir
from server.jobs import TERMINAL, JobRunner

JOB_ID = re.compile(r"^[0-9a-f]{16}$")
UPLOAD_CHUNK = 1 << 20
RESULT_FILES = {"model.nam": "application/json", "residual.wav": "audio/wav"}


@dataclass
class TrainingSettings:
    """Training-server settings (see the module docstring for the environment variables)."""

    root: Path = field(default_factory=data_dir)
    workers: int = field(default_factory=lambda: int(os.environ.get("NAM_WEB_TRAIN_WORKERS", "1")))
    max_upload_bytes: int = field(
        default_factory=lambda: int(float(os.environ.get("NAM_WEB_MAX_UPLOAD_MB", "200")) * 2**20)
    )
    token: str | None = field(default_factory=lambda: os.environ.get("NAM_WEB_TOKEN") or None)
    threads: int | None = field(
        default_factory=lambda: int(os.environ.get("NAM_WEB_TRAIN_THREADS", "0")) or None)


class Metadata(BaseModel):
    """Optional gear fields written into the .nam (levels in dBu at 0 dBFS)."""

    name: str | None = Field(None, max_length=200)
    modeled_by: str | None = Field(None, max_length=200)
    gear_type: Literal[GEAR_TYPES] | None = None  # type: ignore[valid-type]
    gear_make: str | None = Field(None, max_length=200)
    gear_model: str | None = Field(None, max_length=200)
    tone_type: Literal[TONE_TYPES] | None = None  # type: ignore[valid-type]
    input_level_dbu: float | None = Field(None, ge=-60, le=60)
    output_level_dbu: float | None = Field(None, ge=-60, le=60)


class StartRequest(BaseModel):
    """How to train: architecture preset, epochs and the optional extras."""

    arch: Literal[tuple(PRESETS)] = "standard"  # type: ignore[valid-type]
    epochs: int = Field(100, ge=1, le=10_000)
    early_stopping: int | None = Field(None, ge=1, le=10_000)
    latency: int | None = Field(None, ge=-10_000, le=10_000)
    ignore_checks: bool = False
    batch_size: int = Field(16, ge=1, le=256)
    segment: int = Field(8192, ge=256, le=65_536)
    steps_per_epoch: int | None = Field(None, ge=1, le=100_000)
    loss: Literal["mse", "esr"] = "mse"
    pre_emphasis: Literal["none", "first-order", "a-weighting"] = "first-order"
    pre_emphasis_weight: float = Field(0.0, ge=0.0, le=100.0)
    mrstft_weight: float = Field(2e-4, ge=0.0, le=10.0)
    metadata: Metadata = Field(default_factory=Metadata)


@dataclass
class Training:
    """What the routes share: the settings, the job store and the runner."""

    settings: TrainingSettings
    store: JobStore
    runner: JobRunner


def mount(app: FastAPI, settings: TrainingSettings | None = None) -> Training:
    """Add the training routes to ``app`` and run the job runner for the app's lifetime."""
    settings = settings or TrainingSettings()
    store = JobStore(settings.root)
    training = Training(settings, store, JobRunner(store, settings.workers, settings.threads))
    app.state.training = training
    app.include_router(router)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[Any]:
        training.runner.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            training.runner.stop()

    app.router.lifespan_context = lifespan
    return training


def _training(request: Request) -> Training:
    training: Training = request.app.state.training
    token = training.settings.token
    if token:
        given = request.headers.get("authorization", "").removeprefix(
            "Bearer "
        ).strip() or request.query_params.get("token", "")
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "this server needs its access token (Authorization: Bearer …)")
    return training


router = APIRouter(prefix="/api/train", tags=["training"], dependencies=[Depends(_training)])


def _job(training: Training, job_id: str) -> dict[str, Any]:
    job = training.store.get(job_id) if JOB_ID.match(job_id) else None
    if job is None:
        raise HTTPException(404, f"no training job {job_id!r}")
    return job


def _public(job: dict[str, Any]) -> dict[str, Any]:
    job = {k: v for k, v in job.items() if k != "report"}
    job["has_model"] = job["state"] == FINISHED
    return job


@router.get("/presets")
def presets() -> dict[str, Any]:
    """Architecture presets and the metadata choices, for the wizard's form."""
    return {
        "presets": {
            name: {"architecture": p.architecture, "config": p.config} for name, p in PRESETS.items()
        },
        "gear_types": list(GEAR_TYPES),
        "tone_types": list(TONE_TYPES),
    }


@router.get("/capture-signal.wav")
def capture_signal_wav(request: Request, variant: str = "standard") -> FileResponse:
    """Our capture input signal as a 24-bit, 48 kHz WAV (generated once, then cached)."""
    if variant not in signal.SPECS:
        raise HTTPException(404, f"no capture signal variant {variant!r} (have: {', '.join(signal.SPECS)})")
    training: Training = request.app.state.training
    path = training.store.root / "training" / f"capture_signal_{variant}.wav"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        wav.write(tmp, signal.capture_signal(signal.SPECS[variant]), signal.SAMPLE_RATE, bits=signal.BITS)
        tmp.replace(path)
    return FileResponse(path, media_type="audio/wav", filename=f"nam-web-capture-{variant}.wav")


def _check_name(upload: UploadFile, what: str) -> None:
    name = upload.filename or ""
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise HTTPException(400, f"the {what} file name {name!r} contains a path; send a plain file name")
    if name and not name.lower().endswith((".wav", ".wave")):
        raise HTTPException(415, f"the {what} file {name!r} is not a .wav file")


async def _save(upload: UploadFile, dest: Path, limit: int, what: str) -> None:
    size = 0
    with dest.open("wb") as out:
        while chunk := await upload.read(UPLOAD_CHUNK):
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"the {what} file is larger than the {limit / 2**20:.0f} MB limit")
            out.write(chunk)
    if size == 0:
        raise HTTPException(400, f"the {what} file is empty")


@router.post("/jobs", status_code=201)
async def create_job(
    request: Request,
    output: Annotated[UploadFile, File(description="the recorded amp output (WAV)")],
    input: Annotated[UploadFile | None, File(description="the input sent to the amp, unless ours")] = None,
    signal_variant: Annotated[str, Form()] = "standard",
    latency: Annotated[int | None, Form(ge=-10_000, le=10_000)] = None,
    name: Annotated[str | None, Form(max_length=200)] = None,
) -> dict[str, Any]:
    """Upload the recorded output (and the input, unless it was our capture signal) and check them."""
    training: Training = request.app.state.training
    limit = training.settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > 2 * limit + 2**20:
        raise HTTPException(413, f"upload is larger than the {limit / 2**20:.0f} MB limit per file")
    _check_name(output, "output")
    if input is not None and input.filename:
        _check_name(input, "input")
    elif signal_variant not in signal.SPECS:
        raise HTTPException(
            400, f"unknown capture signal {signal_variant!r} (have: {', '.join(signal.SPECS)})"
        )
    job_id = training.store.create(name)
    job_dir = training.store.job_dir(job_id)
    try:
        await _save(output, job_dir / "output.wav", limit, "output")
        if input is not None and input.filename:
            await _save(input, job_dir / "input.wav", limit, "input")
        else:
            source = (await asyncio.to_thread(capture_signal_wav, request, signal_variant)).path
            shutil.copyfile(source, job_dir / "input.wav")
        analysis = await asyncio.to_thread(
            analyse_files, job_dir / "input.wav", job_dir / "output.wav", manual_latency=latency
        )
    except HTTPException:
        _discard(training, job_id)
        raise
    except NamWebError as exc:
        _discard(training, job_id)
        raise HTTPException(400, str(exc)) from None
    summary = analysis.summary()
    if not summary["passed"]:
        _discard(training, job_id)
        errors = [c for c in summary["checks"] if c["status"] == "error"]
        raise HTTPException(
            422, {"message": " ".join(c["message"] for c in errors), "checks": summary["checks"]}
        )
    training.store.update(job_id, analysis=summary, settings={"latency": latency})
    return _public(training.store.get(job_id))


def _discard(training: Training, job_id: str) -> None:
    training.store.delete(job_id)
    shutil.rmtree(training.store.job_dir(job_id), ignore_errors=True)


@router.get("/jobs")
def list_jobs(request: Request) -> list[dict[str, Any]]:
    return [_public(j) for j in request.app.state.training.store.list()]


@router.get("/jobs/{job_id}")
def get_job(request: Request, job_id: str) -> dict[str, Any]:
    return _public(_job(request.app.state.training, job_id))


@router.post("/jobs/{job_id}/start")
def start_job(request: Request, job_id: str, body: StartRequest) -> dict[str, Any]:
    """Queue a checked job for training with these settings."""
    training: Training = request.app.state.training
    job = _job(training, job_id)
    if job["state"] != CREATED:
        raise HTTPException(409, f"job is {job['state']}; only a new job can be started (use resume)")
    latency = body.latency if body.latency is not None else job["settings"].get("latency")
    train = {
        "arch": body.arch,
        "epochs": body.epochs,
        "batch_size": body.batch_size,
        "segment": body.segment,
        "steps_per_epoch": body.steps_per_epoch,
        "early_stopping": body.early_stopping,
        "loss": {
            "main": body.loss,
            "pre_emphasis": body.pre_emphasis,
            "pre_emphasis_weight": body.pre_emphasis_weight,
            "mrstft_weight": body.mrstft_weight,
        },
    }
    settings = {
        "latency": latency,
        "ignore_checks": body.ignore_checks,
        "train": train,
        "metadata": body.metadata.model_dump(),
    }
    training.store.update(job_id, settings=settings, name=body.metadata.name or job["name"])
    training.store.queue(job_id)
    return _public(training.store.get(job_id))


@router.post("/jobs/{job_id}/cancel")
def cancel_job(request: Request, job_id: str) -> dict[str, Any]:
    """Stop a queued or running job (a running one keeps its checkpoint for a resume)."""
    training: Training = request.app.state.training
    job = _job(training, job_id)
    if job["state"] not in ACTIVE:
        raise HTTPException(409, f"job is {job['state']}; there is nothing to cancel")
    training.runner.cancel(job_id)
    return _public(training.store.get(job_id))


@router.post("/jobs/{job_id}/resume")
def resume_job(request: Request, job_id: str) -> dict[str, Any]:
    """Queue a cancelled, failed or interrupted job again; it continues from its last checkpoint."""
    training: Training = request.app.state.training
    job = _job(training, job_id)
    if job["state"] not in TERMINAL or job["state"] == FINISHED or not job.get("settings", {}).get("train"):
        raise HTTPException(409, f"job is {job['state']}; only a stopped job can be resumed")
    training.store.queue(job_id)
    return _public(training.store.get(job_id))


@router.delete("/jobs/{job_id}", status_code=204)
def delete_job(request: Request, job_id: str) -> Response:
    training: Training = request.app.state.training
    job = _job(training, job_id)
    if job["state"] == RUNNING:
        raise HTTPException(409, "cancel the job before deleting it")
    _discard(training, job_id)
    return Response(status_code=204)


@router.get("/jobs/{job_id}/report")
def job_report(request: Request, job_id: str) -> dict[str, Any]:
    """The final report: validation ESR and its verdict, history, plot data, checks."""
    job = _job(request.app.state.training, job_id)
    if job["state"] != FINISHED:
        raise HTTPException(409, f"job is {job['state']}; the report comes when it finishes")
    return job["report"]


@router.get("/jobs/{job_id}/files/{name}")
def job_file(request: Request, job_id: str, name: str) -> FileResponse:
    """``model.nam`` or ``residual.wav`` (the null test) of a finished job."""
    training: Training = request.app.state.training
    job = _job(training, job_id)
    if name not in RESULT_FILES:
        raise HTTPException(404, f"no file {name!r} (have: {', '.join(RESULT_FILES)})")
    path = training.store.job_dir(job_id) / name
    if job["state"] != FINISHED or not path.exists():
        raise HTTPException(409, f"job is {job['state']}; {name} comes when it finishes")
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", job["name"] or f"capture-{job_id}")[:80]
    filename = f"{stem}.nam" if name == "model.nam" else f"{stem}-residual.wav"
    return FileResponse(path, media_type=RESULT_FILES[name], filename=filename)


@router.get("/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str) -> StreamingResponse:
    """Server-sent events: the job (state, latest epoch, history) whenever it changes, until it ends."""
    training: Training = request.app.state.training
    _job(training, job_id)

    async def stream() -> AsyncIterator[str]:
        last = None
        while not await request.is_disconnected():
            job = await asyncio.to_thread(training.store.get, job_id)
            if job is None:
                yield "event: gone\ndata: {}\n\n"
                return
            if job["updated"] != last:
                last = job["updated"]
                yield f"data: {json.dumps(_public(job))}\n\n"
                if job["state"] in TERMINAL:
                    return
            await asyncio.sleep(0.5)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
