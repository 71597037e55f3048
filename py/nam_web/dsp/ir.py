"""Cabinet impulse responses: load any WAV, fit it to the audio rate, convolve with no latency.

Loading follows the NAM plugin: the IR is resampled to the audio rate, cut to at most
:data:`MAX_IR_SAMPLES` samples, and scaled by 10^(−18/20) · 48000 / fs (a fixed −18 dB so typical
IRs do not jump in level, and the rate factor so an IR sounds the same at any audio rate).
Differences, each reported as a note: stereo IRs are mixed to mono (the plugin reads one channel),
and resampling is band-limited (:mod:`nam_web.dsp.resample`) instead of cubic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nam_web import wav
from nam_web.dsp.base import as_block, db_to_gain
from nam_web.dsp.convolution import PartitionedConvolver
from nam_web.dsp.resample import resample
from nam_web.errors import WavError

MAX_IR_SAMPLES = 8192
"""Longest IR kept (samples at the audio rate), as the plugin."""
IR_GAIN_DB = -18.0
REFERENCE_RATE = 48000.0
FADE_S = 0.02
"""Seconds over which an IR change or an IR switch crossfades."""


@dataclass
class ImpulseResponse:
    """An IR ready to convolve: ``taps`` float32 at ``sample_rate`` (Hz), gain already applied."""

    taps: np.ndarray
    sample_rate: float
    name: str = ""
    source_rate: float = 0.0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_audio(cls, audio: wav.Audio, sample_rate: float, name: str = "",
                   max_samples: int = MAX_IR_SAMPLES) -> ImpulseResponse:
        """Prepare decoded WAV audio for playback at ``sample_rate`` (Hz)."""
        notes = []
        label = name or "IR"
        raw = audio.mono()
        if audio.channels > 1:
            notes.append(f"{label}: {audio.channels} channels mixed to mono")
        if not np.isfinite(raw).all():
            raise WavError(f"{label} holds non-finite samples")
        if not np.any(raw):
            raise WavError(f"{label} is silent (all samples are zero)")
        taps = raw
        if audio.sample_rate != sample_rate:
            taps = resample(raw, audio.sample_rate, sample_rate)
            notes.append(f"{label}: resampled from {audio.sample_rate} Hz to {sample_rate:g} Hz")
        if taps.size > max_samples:
            notes.append(f"{label}: {taps.size} samples ({1000 * taps.size / sample_rate:.0f} ms) cut to "
                         f"{max_samples} ({1000 * max_samples / sample_rate:.0f} ms)")
            taps = taps[:max_samples]
        gain = db_to_gain(IR_GAIN_DB) * REFERENCE_RATE / sample_rate
        return cls((taps * gain).astype(np.float32), float(sample_rate), name, float(audio.sample_rate),
                   notes)

    @classmethod
    def load(cls, source: str | Path | bytes | BinaryIO, sample_rate: float, name: str | None = None,
             max_samples: int = MAX_IR_SAMPLES) -> ImpulseResponse:
        """Read a WAV file (path, bytes or file object) as an IR for ``sample_rate`` (Hz)."""
        if name is None:
            name = Path(source).name if isinstance(source, str | Path) else "IR"
        try:
            audio = wav.read(source)
        except WavError as exc:
            raise WavError(f"cannot use {name} as an IR: {exc}") from None
        return cls.from_audio(audio, sample_rate, name, max_samples)


class Cabinet:
    """The IR stage: convolves with the loaded IR; loading, clearing or switching it crossfades."""

    latency = 0

    def __init__(self, sample_rate: float, ir: ImpulseResponse | None = None, active: bool = True) -> None:
        self.sample_rate = float(sample_rate)
        self.fade_samples = max(1, round(FADE_S * self.sample_rate))
        self.ir: ImpulseResponse | None = None
        self.active = active
        self._live: PartitionedConvolver | None = None  # None = dry
        self._fading: PartitionedConvolver | None = None
        self._fade_left = 0
        self.set_ir(ir, fade=False)

    def set_ir(self, ir: ImpulseResponse | None, *, fade: bool = True) -> None:
        """Load (or with None clear) the IR."""
        if ir is not None and ir.sample_rate != self.sample_rate:
            raise ValueError(f"IR prepared for {ir.sample_rate:g} Hz, the chain runs at "
                             f"{self.sample_rate:g} Hz")
        self.ir = ir
        self._switch(fade)

    def set(self, active: bool) -> None:
        """Switch the cabinet in or out (crossfaded)."""
        if bool(active) != self.active:
            self.active = bool(active)
            self._switch(True)

    def _switch(self, fade: bool) -> None:
        wanted = PartitionedConvolver(self.ir.taps) if (self.ir is not None and self.active) else None
        self._fading, self._live = self._live, wanted
        self._fade_left = self.fade_samples if fade else 0

    def reset(self) -> None:
        for conv in (self._live, self._fading):
            if conv is not None:
                conv.reset()
        self._fade_left = 0

    @staticmethod
    def _run(conv: PartitionedConvolver | None, x: np.ndarray) -> np.ndarray:
        return x if conv is None else conv.process(x)

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        new = self._run(self._live, x)
        if self._fade_left <= 0:
            return new
        old = self._run(self._fading, x)
        done = self.fade_samples - self._fade_left
        w = np.minimum((done + np.arange(1, x.size + 1)) / self.fade_samples, 1.0).astype(np.float32)
        self._fade_left = max(0, self._fade_left - x.size)
        if self._fade_left == 0:
            self._fading = None
        return old + w * (new - old)
