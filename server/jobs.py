"""Running training jobs in worker processes, a configurable number at a time, FIFO beyond that.

A scheduler thread in the server starts one worker process per job (``spawn``: a clean
interpreter, so torch never shares state with the server's threads). Workers report progress
into the job store and poll it for cancellation; the API never waits on them.

On start-up, a job the store still calls ``running`` (the server stopped mid-training) is
re-queued when it has a checkpoint (it resumes from there) or marked ``interrupted`` with the
reason otherwise.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from dataclasses import asdict
from pathlib import Path

from server.db import CANCELLED, FAILED, FINISHED, INTERRUPTED, QUEUED, RUNNING, JobStore

POLL_SECONDS = 0.25
"""How often the scheduler looks for finished workers and queued jobs."""
CANCEL_POLL_SECONDS = 0.5
"""How often a worker checks the store for a cancel request."""


def run_job(root: str, job_id: str, threads: int) -> None:
    """Worker-process entry point: train one job, writing progress and the outcome to the store."""
    import torch
    from nam_web.errors import NamWebError
    from nam_web.train.checks import analyse_files
    from nam_web.train.loop import Cancelled, TrainConfig
    from nam_web.train.metadata import UserMetadata
    from nam_web.train.pipeline import train_capture

    torch.set_num_threads(max(1, threads))
    store = JobStore(Path(root))
    job = store.get(job_id)
    job_dir = store.job_dir(job_id)
    settings = job["settings"]
    last_poll = [0.0, False]

    def should_stop() -> bool:
        now = time.monotonic()
        if now - last_poll[0] > CANCEL_POLL_SECONDS:
            last_poll[0], last_poll[1] = now, store.cancel_requested(job_id)
        return last_poll[1]

    try:
        analysis = analyse_files(
            job_dir / "input.wav",
            job_dir / "output.wav",
            manual_latency=settings.get("latency"),
            validation_s=settings.get("val_seconds", 9.0),
        )
        config = TrainConfig.from_json(settings["train"])
        outcome = train_capture(
            analysis,
            config,
            job_dir,
            user=UserMetadata(**settings.get("metadata", {})),
            ignore_checks=settings.get("ignore_checks", False),
            on_epoch=lambda r: store.append_history(job_id, asdict(r)),
            should_stop=should_stop,
        )
        store.update(job_id, state=FINISHED, report=outcome.report, error=None)
    except Cancelled as exc:
        store.update(job_id, state=CANCELLED, error=str(exc))
    except NamWebError as exc:
        store.update(job_id, state=FAILED, error=str(exc))
    except Exception as exc:  # the process boundary: whatever went wrong is reported on the job
        store.update(job_id, state=FAILED, error=f"{type(exc).__name__}: {exc}")


class JobRunner:
    """Starts queued jobs in worker processes, at most ``workers`` at once."""

    def __init__(self, store: JobStore, workers: int = 1, threads: int | None = None) -> None:
        self.store = store
        self.workers = max(1, workers)
        self.threads = threads or max(1, (os.cpu_count() or 1) // self.workers)
        self.running: dict[str, mp.process.BaseProcess] = {}
        self._ctx = mp.get_context("spawn")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def recover(self) -> None:
        """Deal with jobs left ``running`` by a previous server: resume or mark interrupted."""
        for job_id in self.store.in_state(RUNNING):
            if (self.store.job_dir(job_id) / "checkpoint.pt").exists():
                self.store.queue(job_id)
                self.store.update(
                    job_id, error="the server restarted during training; resuming from the last checkpoint"
                )
            else:
                self.store.update(
                    job_id,
                    state=INTERRUPTED,
                    error="the server stopped before the first "
                    "epoch finished; press Resume to start this job again",
                )

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="nam-web-training", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling and end the workers; their jobs resume (from checkpoints) at the next start."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            for proc in self.running.values():
                proc.terminate()
            for proc in self.running.values():
                proc.join(timeout=5)
            self.running.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(POLL_SECONDS)

    def tick(self) -> None:
        """Reap finished workers, then start queued jobs while there is room."""
        with self._lock:
            for job_id, proc in list(self.running.items()):
                if proc.is_alive():
                    continue
                proc.join()
                del self.running[job_id]
                job = self.store.get(job_id)
                if job and job["state"] == RUNNING:  # died without reporting
                    self.store.update(
                        job_id,
                        state=INTERRUPTED,
                        error=f"the training process exited unexpectedly (code {proc.exitcode})",
                    )
            while len(self.running) < self.workers and not self._stop.is_set():
                job_id = self.store.next_queued()
                if job_id is None or not self.store.claim(job_id):
                    break
                proc = self._ctx.Process(
                    target=run_job,
                    args=(str(self.store.root), job_id, self.threads),
                    name=f"nam-web-train-{job_id}",
                    daemon=True,
                )
                proc.start()
                self.running[job_id] = proc

    def cancel(self, job_id: str) -> str:
        """Ask a job to stop. Queued jobs stop at once; running ones at their next step."""
        job = self.store.get(job_id)
        if job["state"] == QUEUED:
            self.store.update(job_id, state=CANCELLED, error="cancelled before it started")
            return CANCELLED
        if job["state"] == RUNNING:
            self.store.update(job_id, cancel_requested=1)
            return RUNNING
        return job["state"]


TERMINAL = (FINISHED, FAILED, CANCELLED, INTERRUPTED)
