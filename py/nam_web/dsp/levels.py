"""Input and output level: gains in dB, and how the plugin's output modes and calibration set them.

Output modes (as the NAM plugin):
- ``raw``: the model's output as is;
- ``normalized``: + (−18 − loudness) dB, from the model's ``loudness`` metadata (dBFS), so every
  capture plays near −18 dBFS;
- ``calibrated``: + (output_level_dbu − interface calibration dBu), from ``output_level_dbu``.
Input calibration (``calibrate_input``): + (interface calibration dBu − ``input_level_dbu``) dB, so
the model sees the level the reamp rig saw. Missing metadata falls back to 0 dB with a note.
Gain changes ramp linearly over :data:`RAMP_S` so a level move never clicks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nam_web.dsp.base import as_block, db_to_gain

RAMP_S = 0.02
"""Seconds a gain change takes."""
NORMALIZED_LOUDNESS_DB = -18.0
"""Target loudness (dBFS) of the ``normalized`` output mode."""
OUTPUT_MODES = ("raw", "normalized", "calibrated")


def _level(metadata: dict[str, Any], key: str) -> float | None:
    value = metadata.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class ModelLevels:
    """The level metadata of a capture: ``loudness`` (dBFS), ``input_level_dbu``, ``output_level_dbu``
    (the dBu that 0 dBFS meant on the reamp interface). None when the file does not say."""

    loudness: float | None = None
    input_level_dbu: float | None = None
    output_level_dbu: float | None = None

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any] | None) -> ModelLevels:
        m = metadata or {}
        return cls(_level(m, "loudness"), _level(m, "input_level_dbu"), _level(m, "output_level_dbu"))


def input_gain_db(input_db: float, levels: ModelLevels, calibrate_input: bool,
                  interface_dbu: float) -> tuple[float, list[str]]:
    """Total input gain (dB) and notes, as the plugin's ``_SetInputGain``."""
    if not calibrate_input:
        return input_db, []
    if levels.input_level_dbu is None:
        return input_db, ["model has no input_level_dbu metadata: input calibration is off"]
    return input_db + interface_dbu - levels.input_level_dbu, []


def output_gain_db(output_db: float, levels: ModelLevels, mode: str,
                   interface_dbu: float) -> tuple[float, list[str]]:
    """Total output gain (dB) and notes, as the plugin's ``_SetOutputGain``."""
    if mode not in OUTPUT_MODES:
        raise ValueError(f"output mode {mode!r} is not one of {', '.join(OUTPUT_MODES)}")
    if mode == "normalized":
        if levels.loudness is None:
            return output_db, ["model has no loudness metadata: normalized output falls back to raw"]
        return output_db + NORMALIZED_LOUDNESS_DB - levels.loudness, []
    if mode == "calibrated":
        if levels.output_level_dbu is None:
            return output_db, ["model has no output_level_dbu metadata: calibrated output falls back to raw"]
        return output_db + levels.output_level_dbu - interface_dbu, []
    return output_db, []


class Level:
    """A gain stage in dB whose changes ramp linearly over ``RAMP_S`` (sample-exact, block-size free)."""

    latency = 0

    def __init__(self, sample_rate: float, db: float = 0.0) -> None:
        self.ramp_samples = max(1, round(RAMP_S * sample_rate))
        self.gain = self.target = db_to_gain(db)
        self.step = 0.0
        self.db = db

    def set_db(self, db: float, *, ramp: bool = True) -> None:
        if not math.isfinite(db):
            raise ValueError(f"level {db!r} dB is not a number")
        self.db = db
        self.target = db_to_gain(db)
        if ramp:
            self.step = (self.target - self.gain) / self.ramp_samples
        else:
            self.gain, self.step = self.target, 0.0

    def reset(self) -> None:
        self.gain, self.step = self.target, 0.0

    def process(self, x: np.ndarray) -> np.ndarray:
        x = as_block(x)
        if self.step == 0.0:
            return x if self.gain == 1.0 else x * np.float32(self.gain)
        ramp = self.gain + self.step * np.arange(1, x.size + 1)
        ramp = np.minimum(ramp, self.target) if self.step > 0 else np.maximum(ramp, self.target)
        if x.size:
            self.gain = float(ramp[-1])
        if self.gain == self.target:
            self.step = 0.0
        return (x * ramp).astype(np.float32)
