"""Checks on a reamp before training, each with a plain-language message, and latency calibration.

``analyse(input_audio, output_audio)`` identifies the input signal, picks the recorded channel,
measures latency (blips, else cross-correlation, or the user's value), and runs the checks.
Only ``error`` results stop training; ``warning`` results are reported and kept in the .nam.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nam_web import wav
from nam_web.errors import WavError
from nam_web.files import read_limited
from nam_web.train.inputs import InputLayout, identify
from nam_web.wav import Audio

OK, WARNING, ERROR = "ok", "warning", "error"

LATENCY_LOOKAHEAD = 1_000
"""Samples before each blip scanned for a response (a response there means over-compensation)."""
LATENCY_LOOKBACK = 10_000
"""Samples after each blip scanned for a response."""
TRIGGER_ABS = 0.0003
"""Blip trigger: above the noise peak by this much (linear) ..."""
TRIGGER_REL = 0.001
"""... and by this fraction, whichever is larger (the NAM trainer's rule)."""
LATENCY_SAFETY = 1
"""Samples subtracted from the detected delay so the model never has to predict the future."""
MAX_XCORR_LAG = 4_800
"""Largest latency (samples, 100 ms at 48 kHz) the cross-correlation fallback searches."""

REPLICATE_ESR_LIMIT = 0.01
"""Validation copies that differ by more than this ESR point to a noisy or time-varying rig."""
CLIP_LEVEL = 0.999
"""|sample| at or above this counts as clipped (linear, full scale = 1)."""
DC_LIMIT = 0.01
"""Mean level above which a DC offset is reported (linear, ≈ −40 dBFS)."""
SILENCE_DBFS = -70.0
"""An output quieter than this (RMS, dBFS) is treated as 'nothing was recorded'."""
NOISE_FLOOR_DBFS = -50.0
"""A noise floor louder than this (RMS, dBFS) gets a warning."""
MAX_EXTRA_SECONDS = 1.0
"""The recording may run this much longer than the input (seconds); shorter is an error."""


@dataclass
class Check:
    """One check's outcome. ``status`` is ok / warning / error; ``value`` is the measured number."""

    name: str
    status: str
    message: str
    value: float | int | str | None = None


@dataclass
class Latency:
    """Latency calibration (samples; positive = the output lags the input), NAM-metadata shaped."""

    delays: list[int] = field(default_factory=list)
    recommended: int | None = None
    method: str = "blips"
    manual: int | None = None
    matches_lookahead: bool = False
    disagreement_too_high: bool = False

    @property
    def final(self) -> int:
        """What training uses: the user's value when given, else the calibrated one, else 0."""
        if self.manual is not None:
            return self.manual
        return self.recommended if self.recommended is not None else 0

    def to_metadata(self) -> dict[str, Any]:
        """The ``training.data.latency`` block of a .nam file, as the NAM trainer writes it."""
        return {
            "manual": self.manual,
            "calibration": {
                "algorithm_version": 1,
                "delays": [int(d) for d in self.delays],
                "safety_factor": LATENCY_SAFETY,
                "recommended": self.recommended,
                "warnings": {
                    "matches_lookahead": self.matches_lookahead,
                    "disagreement_too_high": self.disagreement_too_high,
                    "not_detected": self.recommended is None,
                },
                "method": self.method,
            },
        }


@dataclass
class Analysis:
    """Everything known about a reamp pair before training.

    ``x``/``y`` are the input and the chosen output channel, float32, same length, with
    ``y`` already shifted by the latency so that ``y[t]`` answers ``x[t]``.
    """

    layout: InputLayout
    latency: Latency
    checks: list[Check]
    x: np.ndarray
    y: np.ndarray

    @property
    def passed(self) -> bool:
        return all(c.status != ERROR for c in self.checks)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == ERROR]

    def summary(self) -> dict[str, Any]:
        """JSON-ready report (for the API, the CLI and the .nam metadata)."""
        return {
            "input": {"kind": self.layout.kind, "description": self.layout.description},
            "sample_rate": self.layout.sample_rate,
            "latency": self.latency.final,
            "latency_detail": self.latency.to_metadata(),
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
        }


def dbfs(x: np.ndarray) -> float:
    """RMS level in dBFS (−200 for digital silence)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20.0 * np.log10(rms) if rms > 1e-10 else -200.0


def esr(prediction: np.ndarray, target: np.ndarray) -> float:
    """Error-to-signal ratio: Σ(pred − target)² / Σ target² (0 = perfect)."""
    target = np.asarray(target, dtype=np.float64)
    err = np.asarray(prediction, dtype=np.float64) - target
    return float(np.sum(err**2) / max(float(np.sum(target**2)), 1e-20))


def blip_latency(y: np.ndarray, layout: InputLayout) -> Latency:
    """Latency from the calibration blips: the first sample of the averaged responses above the trigger."""
    lat = Latency(method="blips")
    if not layout.blips or layout.noise is None:
        lat.method = "none"
        return lat
    background = float(np.max(np.abs(y[layout.noise[0] : layout.noise[1]]), initial=0.0))
    trigger = max(background + TRIGGER_ABS, (1.0 + TRIGGER_REL) * background)
    scans = [
        y[b - LATENCY_LOOKAHEAD : b + LATENCY_LOOKBACK]
        for b in layout.blips
        if b - LATENCY_LOOKAHEAD >= 0 and b + LATENCY_LOOKBACK <= y.size
    ]
    if not scans:
        return lat
    hits = np.flatnonzero(np.abs(np.mean(scans, axis=0)) > trigger)
    if hits.size:
        delay = int(hits[0]) - LATENCY_LOOKAHEAD
        lat.delays = [delay]
        lat.recommended = delay - LATENCY_SAFETY
        lat.matches_lookahead = delay == -LATENCY_LOOKAHEAD
    return lat


def xcorr_latency(x: np.ndarray, y: np.ndarray, max_lag: int = MAX_XCORR_LAG) -> Latency:
    """Latency as the lag (samples) of the largest |cross-correlation| between input and output."""
    n = min(x.size, y.size)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(y[:n].astype(np.float64), size) * np.conj(np.fft.rfft(x[:n].astype(np.float64), size))
    corr = np.fft.irfft(spec, size)
    lags = np.concatenate((np.arange(0, max_lag + 1), np.arange(-max_lag, 0)))
    best = int(lags[np.argmax(np.abs(corr[lags]))])
    return Latency(delays=[best], recommended=best - LATENCY_SAFETY, method="cross-correlation")


def align(y: np.ndarray, n: int, latency: int) -> np.ndarray:
    """``y`` shifted so that sample t answers input sample t (``latency`` > 0 = y lags), length ``n``."""
    out = np.zeros(n, dtype=np.float32)
    if latency >= 0:
        part = y[latency : latency + n]
        out[: part.size] = part
    else:
        part = y[: n + latency]
        out[-latency : -latency + part.size] = part
    return out


def _pick_channel(output: Audio, checks: list[Check]) -> np.ndarray:
    if output.channels == 1:
        return output.samples[:, 0]
    levels = [dbfs(output.samples[:, c]) for c in range(output.channels)]
    best = int(np.argmax(levels))
    names = (
        ["left", "right"] if output.channels == 2 else [f"channel {c + 1}" for c in range(output.channels)]
    )
    quiet = [names[c] for c, lv in enumerate(levels) if lv < SILENCE_DBFS]
    if quiet:
        checks.append(
            Check(
                "channel",
                WARNING,
                f"The recording has {output.channels} channels and "
                f"{', '.join(quiet)} is silent; using the {names[best]} channel. Record the "
                "amp on a mono track next time.",
                names[best],
            )
        )
    else:
        checks.append(
            Check("channel", OK, f"Stereo recording: using the louder {names[best]} channel.", names[best])
        )
    return output.samples[:, best]


def analyse(
    input_audio: Audio,
    output_audio: Audio,
    *,
    input_bytes: bytes | None = None,
    manual_latency: int | None = None,
    validation_s: float = 9.0,
) -> Analysis:
    """Identify the input, calibrate latency and run every check on a reamp pair."""
    checks: list[Check] = []
    if input_audio.channels != 1:
        checks.append(
            Check(
                "input",
                WARNING,
                f"The input file has {input_audio.channels} channels; "
                "their average is used as the signal that was sent to the amp.",
            )
        )
    x = input_audio.mono()
    layout = identify(x, input_audio.sample_rate, input_bytes, validation_s=validation_s)
    checks.append(Check("input", OK, f"Input recognised as the {layout.description}.", layout.kind))

    rate_in, rate_out = input_audio.sample_rate, output_audio.sample_rate
    if rate_in != rate_out:
        checks.append(
            Check(
                "sample_rate",
                ERROR,
                f"The recording is at {rate_out} Hz but the input is at "
                f"{rate_in} Hz. Record at the input's rate ({rate_in} Hz), with no resampling.",
                rate_out,
            )
        )
    elif rate_in != 48_000:
        checks.append(
            Check(
                "sample_rate",
                WARNING,
                f"Both files are at {rate_in} Hz; NAM plugins expect 48 kHz "
                "and will resample, which costs accuracy.",
                rate_in,
            )
        )
    else:
        checks.append(Check("sample_rate", OK, "Sample rates match (48 kHz).", rate_in))

    extra = (output_audio.frames - input_audio.frames) / rate_in
    if extra < 0:
        checks.append(
            Check(
                "length",
                ERROR,
                f"The recording is {-extra:.2f} s shorter than the input. Did the "
                "recording stop early? Reamp the whole input file.",
                round(extra, 3),
            )
        )
    elif extra > MAX_EXTRA_SECONDS:
        checks.append(
            Check(
                "length",
                ERROR,
                f"The recording is {extra:.2f} s longer than the input: it is "
                "probably not the reamp of this input (or was not trimmed to it).",
                round(extra, 3),
            )
        )
    else:
        checks.append(Check("length", OK, "Recording and input lengths match.", round(extra, 3)))

    y_raw = _pick_channel(output_audio, checks)
    level = dbfs(y_raw[: x.size])
    if level < SILENCE_DBFS:
        checks.append(
            Check(
                "silence",
                ERROR,
                f"The recording is silent ({level:.0f} dBFS). Check that the amp's "
                "output reached the interface input that was recorded.",
                round(level, 1),
            )
        )
        return Analysis(
            layout, Latency(method="none", manual=manual_latency), checks, x, align(y_raw, x.size, 0)
        )
    checks.append(Check("silence", OK, f"Recording level {level:.1f} dBFS RMS.", round(level, 1)))

    clipped = int(np.count_nonzero(np.abs(y_raw) >= CLIP_LEVEL))
    if clipped:
        checks.append(
            Check(
                "clipping",
                WARNING,
                f"The recording clips ({clipped} samples at full scale). "
                "Turn the recording level down so the loudest part peaks below −1 dBFS.",
                clipped,
            )
        )
    else:
        peak = 20 * np.log10(max(float(np.max(np.abs(y_raw))), 1e-10))
        checks.append(Check("clipping", OK, f"No clipping (peak {peak:.1f} dBFS).", round(peak, 1)))
    in_clipped = int(np.count_nonzero(np.abs(x) >= CLIP_LEVEL))
    if in_clipped:
        checks.append(
            Check(
                "input_clipping",
                WARNING,
                f"The input signal itself clips ({in_clipped} samples).",
                in_clipped,
            )
        )

    dc = float(np.mean(y_raw, dtype=np.float64))
    if abs(dc) > DC_LIMIT:
        checks.append(
            Check(
                "dc_offset",
                WARNING,
                f"The recording has a DC offset of {dc:+.3f} (full scale 1). "
                "The interface or amp output may be faulty; the model will learn the offset.",
                round(dc, 4),
            )
        )
    else:
        checks.append(Check("dc_offset", OK, "No significant DC offset.", round(dc, 5)))

    if layout.noise is not None:
        floor = dbfs(y_raw[layout.noise[0] : layout.noise[1]])
        snr = level - floor
        status = WARNING if floor > NOISE_FLOOR_DBFS else OK
        message = f"Noise floor {floor:.1f} dBFS ({snr:.0f} dB below the signal)." + (
            " That is noisy: check cables, ground loops and the gate." if status == WARNING else ""
        )
        checks.append(Check("noise_floor", status, message, round(floor, 1)))

    latency = blip_latency(y_raw, layout)
    if latency.recommended is None:
        latency = xcorr_latency(x, y_raw)
        note = (
            "The calibration blips were not found in the recording, so latency was estimated by "
            "cross-correlation"
            if layout.blips
            else "Latency estimated by cross-correlation (no blips in this input)"
        )
        checks.append(
            Check(
                "latency",
                WARNING if layout.blips else OK,
                f"{note}: {latency.recommended} samples.",
                latency.recommended,
            )
        )
    else:
        ms = 1000.0 * latency.recommended / rate_in
        status = WARNING if latency.matches_lookahead else OK
        checks.append(
            Check(
                "latency",
                status,
                f"Latency from the blips: {latency.recommended} samples "
                f"({ms:.2f} ms)."
                + (
                    " The response starts before the blip: the recording is "
                    "over-compensated; check your DAW's latency settings."
                    if status == WARNING
                    else ""
                ),
                latency.recommended,
            )
        )
    latency.manual = manual_latency
    if manual_latency is not None:
        checks.append(
            Check(
                "latency_manual",
                OK,
                f"Using your latency of {manual_latency} samples (calibration said {latency.recommended}).",
                manual_latency,
            )
        )

    y = align(y_raw, x.size, latency.final)
    if layout.replicate is not None:
        a, b = layout.replicate, layout.validation
        replicate = esr(y[a[0] : a[1]], y[b[0] : b[1]])
        if replicate > REPLICATE_ESR_LIMIT:
            checks.append(
                Check(
                    "replicate",
                    WARNING,
                    f"The two copies of the validation segment differ (ESR "
                    f"{replicate:.4f}). The rig does not sound like itself when played twice: it is "
                    "noisy, has a time-based effect (delay, reverb, chorus), a knob moved, or the "
                    "amp was not warmed up.",
                    replicate,
                )
            )
        else:
            checks.append(
                Check("replicate", OK, f"The two validation copies agree (ESR {replicate:.2e}).", replicate)
            )
    return Analysis(layout, latency, checks, x, y)


def analyse_files(input_path: str | Path, output_path: str | Path, *, manual_latency: int | None = None,
                  validation_s: float = 9.0) -> Analysis:
    """Read and analyse a reamp pair from disk.

    Raises :class:`WavError` on unreadable WAVs, not on failed checks (see :func:`require_pass`).
    """
    raw = read_limited(input_path, wav.MAX_WAV_BYTES, "WAV files", WavError)
    return analyse(wav.read(raw), wav.read(output_path), input_bytes=raw, manual_latency=manual_latency,
                   validation_s=validation_s)


def require_pass(analysis: Analysis) -> None:
    """Raise :class:`WavError` naming every failed check (training cannot start)."""
    if not analysis.passed:
        raise WavError("the recording failed its checks: " + " ".join(c.message for c in analysis.errors))
