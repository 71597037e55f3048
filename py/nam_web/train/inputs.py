"""Which capture input signal was used, and where its parts are.

Three kinds of input are understood:

* ours (:mod:`nam_web.train.signal`), recognised sample-exactly;
* the official NAM trainer's v3 input file (``input.wav``, 3:10 at 48 kHz), recognised the way
  the trainer does: the MD5 of the file, or else of its first 17 s and last 9 s of samples;
* anything else: no blips (latency by cross-correlation), validation = the last seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from nam_web.train import signal

NAM_V3_FILE_MD5 = "36cd1af62985c2fac3e654333e36431e"
"""MD5 of the official v3.0.0 input file, as the NAM trainer publishes it."""

NAM_V3_SAMPLE_MD5 = ("dadb5d62f6c3973a59bf01439799809b", "8458126969a3f9d8e19a53554eb1fd52")
"""MD5 of the float64 samples of its first 17 s and last 9 s (the trainer's weak match)."""

NAM_V3_VALIDATION = 432_000
"""Samples in each of the v3 file's two validation copies (9 s at 48 kHz)."""


@dataclass(frozen=True)
class InputLayout:
    """Where the parts of an input signal are (samples, at ``sample_rate``).

    ``validation`` is scored; ``replicate`` (when present) is the same signal played earlier,
    compared with ``validation`` to catch drift and noise. ``noise`` is a silent stretch used to
    measure the rig's noise floor and the blip trigger level.
    """

    kind: str
    description: str
    sample_rate: int
    length: int
    train: tuple[int, int]
    validation: tuple[int, int]
    replicate: tuple[int, int] | None = None
    noise: tuple[int, int] | None = None
    blips: tuple[int, ...] = ()
    checks_version: int = 0
    """The NAM "data checks" version this layout corresponds to (3 for v3-like inputs, 0 for none)."""


def _ours(spec: signal.CaptureSpec) -> InputLayout:
    lay = signal.layout(spec)
    seg = lay.train
    return InputLayout(
        kind=f"nam-web-{spec.name}",
        description=f"nam-web capture signal ({spec.name}, {lay.length / signal.SAMPLE_RATE:.0f} s)",
        sample_rate=signal.SAMPLE_RATE,
        length=lay.length,
        train=(seg.start, seg.stop),
        validation=(lay["validation_2"].start, lay["validation_2"].stop),
        replicate=(lay["validation_1"].start, lay["validation_1"].stop),
        noise=(lay.noise_floor.start + 2400, lay.noise_floor.stop - 2400),
        blips=lay.blips,
        checks_version=3,
    )


def _nam_v3(length: int) -> InputLayout:
    val = NAM_V3_VALIDATION
    return InputLayout(
        kind="nam-v3",
        description="official NAM trainer input v3.0.0",
        sample_rate=48_000,
        length=length,
        train=(480_000, length - val),
        validation=(length - val, length),
        replicate=(0, val),
        noise=(492_000, 498_000),
        blips=(504_000, 552_000),
        checks_version=3,
    )


def generic(length: int, sample_rate: int, validation_s: float) -> InputLayout:
    """An input we do not know: the last ``validation_s`` seconds are held out for validation."""
    val = int(min(validation_s * sample_rate, 0.2 * length))
    return InputLayout(
        kind="custom",
        description=f"custom input ({length / sample_rate:.1f} s)",
        sample_rate=sample_rate,
        length=length,
        train=(0, length - val),
        validation=(length - val, length),
    )


def _is_nam_v3(x: np.ndarray, sample_rate: int, raw: bytes | None) -> bool:
    if raw is not None and hashlib.md5(raw).hexdigest() == NAM_V3_FILE_MD5:
        return True
    if sample_rate != 48_000 or x.size < 17 * 48_000:
        return False
    samples = x.astype(np.float64)
    start = hashlib.md5(samples[: 17 * 48_000].tobytes()).hexdigest()
    end = hashlib.md5(samples[-9 * 48_000 :].tobytes()).hexdigest()
    return (start, end) == NAM_V3_SAMPLE_MD5


def identify(
    x: np.ndarray, sample_rate: int, raw: bytes | None = None, *, validation_s: float = 9.0
) -> InputLayout:
    """Recognise the input signal ``x`` (mono float32; ``raw`` = the WAV file's bytes, if known)."""
    spec = signal.recognise(x, sample_rate)
    if spec is not None:
        return _ours(spec)
    if _is_nam_v3(x, sample_rate, raw):
        return _nam_v3(x.size)
    return generic(x.size, sample_rate, validation_s)
