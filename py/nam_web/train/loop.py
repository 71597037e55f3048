"""The training loop: random-segment mini-batches, Adam with exponential decay, validation ESR per
epoch, best-checkpoint tracking, early stopping, cancellation and resume from the last checkpoint.

Data comes from a :class:`~nam_web.train.checks.Analysis` (input and latency-aligned output plus
the input's layout). Each example is ``segment`` output samples with ``receptive_field − 1``
samples of input context in front; an epoch holds as many steps as there are whole batches of
non-overlapping segments in the training region (the NAM trainer's epoch size).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nam_web.train import nets
from nam_web.train.checks import Analysis
from nam_web.train.losses import LossConfig, TrainingLoss, esr
from nam_web.train.presets import Preset, preset


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. ``learning_rate``/``lr_decay`` default to the preset's values.

    ``early_stopping``: stop after this many epochs without a better validation ESR (None = off).
    ``device``: auto (CUDA when present, else CPU), cpu or cuda.
    """

    arch: str = "standard"
    epochs: int = 100
    batch_size: int = 16
    segment: int = 8192
    learning_rate: float | None = None
    lr_decay: float | None = None
    loss: LossConfig = field(default_factory=LossConfig)
    early_stopping: int | None = None
    seed: int = 0
    device: str = "auto"
    steps_per_epoch: int | None = None
    """Mini-batches per epoch; None = as many as whole batches of segments fit the training region."""

    @property
    def preset(self) -> Preset:
        return preset(self.arch)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["loss"] = LossConfig(**data.get("loss", {}))
        return cls(**data)


@dataclass
class EpochReport:
    """Progress after one epoch (losses are the training objective; ESR on the validation segment)."""

    epoch: int
    epochs: int
    train_loss: float
    val_esr: float
    best_esr: float
    learning_rate: float
    seconds: float
    eta_seconds: float


@dataclass
class TrainResult:
    """The best model (by validation ESR) and the history; ``stopped`` says why training ended."""

    model: nets.WaveNet | nets.LSTM
    best_esr: float
    best_epoch: int
    history: list[EpochReport]
    stopped: str
    seconds: float


class Cancelled(Exception):
    """Training was cancelled; the last checkpoint stays on disk for a resume."""


def pick_device(name: str = "auto") -> torch.device:
    """CUDA when asked for or (``auto``) when present; otherwise the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


class Trainer:
    """Trains one model on one analysed reamp. ``on_epoch`` is called after every epoch;
    ``should_stop()`` is polled between steps (True = cancel, keeping the checkpoint)."""

    def __init__(
        self,
        analysis: Analysis,
        config: TrainConfig,
        checkpoint: str | Path | None = None,
        on_epoch: Callable[[EpochReport], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.config = config
        self.analysis = analysis
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.on_epoch = on_epoch
        self.should_stop = should_stop or (lambda: False)
        self.device = pick_device(config.device)
        torch.manual_seed(config.seed)
        p = config.preset
        self.model = nets.build(p.architecture, p.config).to(self.device)
        self.rf = self.model.receptive_field
        lr = config.learning_rate if config.learning_rate is not None else p.learning_rate
        decay = config.lr_decay if config.lr_decay is not None else p.lr_decay
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, gamma=1.0 - decay)
        self.loss = TrainingLoss(config.loss)
        lay = analysis.layout
        self.x = torch.from_numpy(np.array(analysis.x, dtype=np.float32))
        self.y = torch.from_numpy(np.array(analysis.y, dtype=np.float32))
        self.train_start = max(lay.train[0], self.rf - 1)
        self.train_stop = lay.train[1]
        span = self.train_stop - self.train_start
        if span < config.segment:
            raise ValueError(
                f"the training region ({span} samples) is shorter than one segment ({config.segment} samples)"
            )
        self.steps_per_epoch = config.steps_per_epoch or max(1, span // config.segment // config.batch_size)
        v0, v1 = lay.validation
        context = min(v0, self.rf - 1)
        self.val_x = self.x[v0 - context : v1].to(self.device)[None]
        self.val_y = self.y[v0:v1].to(self.device)[None]
        self.rng = np.random.default_rng(config.seed)
        self.epoch = 0
        self.best_esr = math.inf
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None
        self.history: list[EpochReport] = []
        self.elapsed = 0.0
        if self.checkpoint and self.checkpoint.exists():
            self._load_checkpoint()

    # -- data --------------------------------------------------------------------------
    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A random mini-batch: (B, context + segment) inputs and (B, segment) targets."""
        seg, ctx = self.config.segment, self.rf - 1
        starts = self.rng.integers(self.train_start, self.train_stop - seg + 1, size=self.config.batch_size)
        idx = torch.from_numpy(starts)[:, None] + torch.arange(-ctx, seg)[None]
        tgt = torch.from_numpy(starts)[:, None] + torch.arange(seg)[None]
        return self.x[idx].to(self.device), self.y[tgt].to(self.device)

    def validation_esr(self) -> float:
        self.model.eval()
        with torch.no_grad():
            pred = nets.predict(self.model, self.val_x)[:, -self.val_y.shape[1] :]
            value = float(esr(pred, self.val_y))
        self.model.train()
        return value

    def validation_prediction(self) -> np.ndarray:
        """The current model's output on the validation segment (float32)."""
        self.model.eval()
        with torch.no_grad():
            pred = nets.predict(self.model, self.val_x)[0, -self.val_y.shape[1] :]
        return pred.cpu().numpy().astype(np.float32)

    # -- checkpoints ---------------------------------------------------------------------
    def _save_checkpoint(self) -> None:
        if not self.checkpoint:
            return
        state = {
            "config": self.config.to_json(),
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "best_esr": self.best_esr,
            "best_epoch": self.best_epoch,
            "best_state": self.best_state,
            "history": [asdict(h) for h in self.history],
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "elapsed": self.elapsed,
        }
        tmp = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.checkpoint)

    def _load_checkpoint(self) -> None:
        state = torch.load(self.checkpoint, map_location=self.device, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch = state["epoch"]
        self.best_esr, self.best_epoch, self.best_state = (
            state["best_esr"],
            state["best_epoch"],
            state["best_state"],
        )
        self.history = [EpochReport(**h) for h in state["history"]]
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        self.elapsed = state["elapsed"]

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> TrainResult:
        """Train until ``epochs`` (or early stopping); raise :class:`Cancelled` when asked to stop."""
        cfg = self.config
        stopped = "finished"
        started = time.perf_counter() - self.elapsed
        self.model.train()
        while self.epoch < cfg.epochs:
            t0 = time.perf_counter()
            total = 0.0
            for _ in range(self.steps_per_epoch):
                if self.should_stop():
                    raise Cancelled(
                        f"cancelled during epoch {self.epoch + 1}; resumes from epoch {self.epoch}"
                    )
                x, y = self.batch()
                loss = self.loss(self.model(x), y)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                total += float(loss.detach())
            lr = self.optimizer.param_groups[0]["lr"]
            self.scheduler.step()
            self.epoch += 1
            val = self.validation_esr()
            if not math.isfinite(val):
                raise FloatingPointError(f"validation ESR is {val} at epoch {self.epoch}: training diverged")
            if val < self.best_esr:
                self.best_esr, self.best_epoch = val, self.epoch
                self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            self.elapsed = time.perf_counter() - started
            seconds = time.perf_counter() - t0
            report = EpochReport(
                self.epoch,
                cfg.epochs,
                total / self.steps_per_epoch,
                val,
                self.best_esr,
                lr,
                seconds,
                self.elapsed / self.epoch * (cfg.epochs - self.epoch),
            )
            self.history.append(report)
            self._save_checkpoint()
            if self.on_epoch:
                self.on_epoch(report)
            if cfg.early_stopping and self.epoch - self.best_epoch >= cfg.early_stopping:
                stopped = f"early stop: no better validation ESR for {cfg.early_stopping} epochs"
                break
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        self.model.eval()
        return TrainResult(self.model, self.best_esr, self.best_epoch, self.history, stopped, self.elapsed)
