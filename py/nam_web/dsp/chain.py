"""The amp chain a player hears, in the NAM plugin's order, driven by a settings dataclass.

input level → noise-gate detector → model (resampled when its rate differs from the audio rate)
→ gate gain → tone stack → cabinet IR → DC blocker → output level → output safety (non-finite
samples silenced, soft-knee limiter to 0 dBFS).

Usage (browser worker or CLI)::

    chain = Chain(48000, ChainSettings(bass=6.5))
    chain.set_model(engine, ModelLevels.from_metadata(doc.metadata), name="amp.nam")
    chain.set_ir(ImpulseResponse.load("cab.wav", 48000))
    out = chain.process(block)          # float32 in, float32 out, same length
    chain.set(treble=7.0, gate_active=True, gate_threshold_db=-60)   # glides, never clicks
    chain.latency, chain.notes, chain.stats
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from nam_web.dsp.base import as_block
from nam_web.dsp.dc_blocker import DCBlocker
from nam_web.dsp.gate import DEFAULT_THRESHOLD_DB, NoiseGate
from nam_web.dsp.ir import Cabinet, ImpulseResponse
from nam_web.dsp.levels import OUTPUT_MODES, Level, ModelLevels, input_gain_db, output_gain_db
from nam_web.dsp.resample import ResampledModel
from nam_web.dsp.safety import Limiter, model_fault, scrub
from nam_web.dsp.tone_stack import ToneKnobs, ToneStack
from nam_web.models.base import Model

ASSUMED_MODEL_RATE = 48000.0
"""Rate (Hz) assumed for models that do not state one, as the NAM plugin does."""
RECOVERY_S = 0.05
"""After a model fault the output fades back in over this many seconds."""

_RANGES = {"input_db": (-40.0, 40.0), "output_db": (-60.0, 60.0), "interface_dbu": (-60.0, 60.0),
           "gate_threshold_db": (-100.0, 0.0), "bass": (0.0, 10.0), "mid": (0.0, 10.0), "treble": (0.0, 10.0)}


@dataclass(frozen=True)
class ChainSettings:
    """Everything a player turns. Levels in dB, calibration in dBu, tone knobs 0–10 (5 = flat).

    ``interface_dbu``: the level (dBu) that 0 dBFS means at the audio interface's input (the
    plugin's "input calibration", default 12 dBu). ``output_mode``: raw, normalized or calibrated.
    """

    input_db: float = 0.0
    output_db: float = 0.0
    output_mode: str = "normalized"
    calibrate_input: bool = False
    interface_dbu: float = 12.0
    gate_active: bool = False
    gate_threshold_db: float = DEFAULT_THRESHOLD_DB
    tone_stack_active: bool = True
    bass: float = 5.0
    mid: float = 5.0
    treble: float = 5.0
    ir_active: bool = True

    def __post_init__(self) -> None:
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} {value:g} is outside {low:g}..{high:g}")
        if self.output_mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode {self.output_mode!r} is not one of {', '.join(OUTPUT_MODES)}")
        for f in fields(self):
            if f.type == "bool" and not isinstance(getattr(self, f.name), bool):
                raise ValueError(f"{f.name} must be true or false, got {getattr(self, f.name)!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChainSettings:
        """Build from a JSON object; unknown keys are an error naming them."""
        if not isinstance(data, dict):
            raise ValueError("settings must be an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        return cls(**data)


@dataclass
class ChainStats:
    """Counters for the UI: model faults, non-finite samples silenced, samples the limiter touched."""

    samples: int = 0
    faults: int = 0
    nonfinite_in: int = 0
    nonfinite_out: int = 0
    limited: int = 0
    last_fault: str | None = None


@dataclass
class _LoadedModel:
    engine: Model | ResampledModel
    levels: ModelLevels
    rate: float
    name: str
    notes: list[str] = field(default_factory=list)


class Chain:
    """The whole amp chain at ``sample_rate`` (Hz). Without a model the input passes through the
    model slot unchanged (like the plugin); every other stage still runs."""

    def __init__(self, sample_rate: float, settings: ChainSettings | None = None) -> None:
        if not (math.isfinite(sample_rate) and 1000 <= sample_rate <= 768000):
            raise ValueError(f"audio rate {sample_rate!r} Hz is not usable")
        self.sample_rate = float(sample_rate)
        self.settings = settings or ChainSettings()
        s = self.settings
        self.model: _LoadedModel | None = None
        self.input_level = Level(self.sample_rate)
        self.output_level = Level(self.sample_rate)
        self.gate = NoiseGate(self.sample_rate, s.gate_threshold_db, s.gate_active)
        self.tone_stack = ToneStack(self.sample_rate, ToneKnobs(s.bass, s.mid, s.treble), s.tone_stack_active)
        self.cabinet = Cabinet(self.sample_rate, None, s.ir_active)
        self.dc_blocker = DCBlocker(self.sample_rate)
        self.limiter = Limiter(self.sample_rate)
        self.stats = ChainStats()
        self._level_notes: list[str] = []
        self._fault_streak = False
        self._recovery = 0
        self._apply_levels(ramp=False)

    # ---- what is loaded -------------------------------------------------------------------
    def set_model(self, engine: Model | None, levels: ModelLevels | None = None, *, name: str = "",
                  model_rate: float | None = None) -> None:
        """Play ``engine`` (prewarmed; None = no model). ``model_rate`` overrides the engine's
        ``sample_rate`` (Hz); a model with neither is assumed to run at 48 kHz, as the plugin does."""
        if engine is None:
            self.model = None
        else:
            notes = []
            rate = model_rate or engine.sample_rate
            if rate is None:
                rate = ASSUMED_MODEL_RATE
                notes.append("model does not state its sample rate: assuming 48000 Hz (as the NAM plugin)")
            run: Model | ResampledModel = engine
            if rate != self.sample_rate:
                run = ResampledModel(engine, self.sample_rate, rate)
                ms = 1000 * run.latency / self.sample_rate
                notes.append(f"model runs at {rate:g} Hz, audio at {self.sample_rate:g} Hz: resampling adds "
                             f"{run.latency} samples ({ms:.1f} ms) of latency")
            self.model = _LoadedModel(run, levels or ModelLevels(), float(rate), name, notes)
        self.gate.set_delay(self.latency)
        self._fault_streak = False
        self.stats.last_fault = None
        self._apply_levels(ramp=False)

    def set_ir(self, ir: ImpulseResponse | None) -> None:
        """Load (None: clear) the cabinet IR, prepared for this chain's rate; crossfaded."""
        self.cabinet.set_ir(ir)

    # ---- settings -------------------------------------------------------------------------
    def update(self, settings: ChainSettings) -> None:
        """Apply a whole settings object; every change glides (no clicks)."""
        old, self.settings = self.settings, settings
        if (settings.gate_threshold_db, settings.gate_active) != (old.gate_threshold_db, old.gate_active):
            self.gate.set(settings.gate_threshold_db, settings.gate_active)
        self.tone_stack.set(settings.bass, settings.mid, settings.treble, settings.tone_stack_active)
        self.cabinet.set(settings.ir_active)
        self._apply_levels(ramp=True)

    def set(self, **changes: Any) -> None:
        """Change some settings by name, e.g. ``chain.set(bass=7, gate_active=True)``."""
        self.update(replace(self.settings, **changes))

    def _apply_levels(self, ramp: bool) -> None:
        s = self.settings
        levels = self.model.levels if self.model else ModelLevels()
        in_db, in_notes = input_gain_db(s.input_db, levels, s.calibrate_input, s.interface_dbu)
        out_db, out_notes = output_gain_db(s.output_db, levels, s.output_mode, s.interface_dbu)
        if self.model is None:
            in_notes = out_notes = []  # nothing to calibrate against
        self.input_level.set_db(in_db, ramp=ramp)
        self.output_level.set_db(out_db, ramp=ramp)
        self._level_notes = in_notes + out_notes

    # ---- state ----------------------------------------------------------------------------
    @property
    def latency(self) -> int:
        """Delay (samples at the audio rate) from input to output: the resampler's, else 0."""
        return int(getattr(self.model.engine, "latency", 0)) if self.model else 0

    @property
    def notes(self) -> list[str]:
        """Things the player should know (fallbacks, resampling, IR changes), for the UI."""
        out = list(self.model.notes) if self.model else []
        out += self._level_notes
        if self.cabinet.ir is not None:
            out += self.cabinet.ir.notes
        if self.stats.last_fault:
            out.append(f"model fault ({self.stats.faults}×): {self.stats.last_fault}; output muted")
        return out

    def reset(self) -> None:
        """Silence every stage's history (the model is prewarmed again)."""
        if self.model:
            self.model.engine.prewarm()
        for stage in (self.input_level, self.output_level, self.gate, self.tone_stack, self.cabinet,
                      self.dc_blocker, self.limiter):
            stage.reset()
        self._recovery = 0

    # ---- audio ----------------------------------------------------------------------------
    def _run_model(self, x: np.ndarray) -> np.ndarray:
        if self.model is None:
            return x
        y = np.asarray(self.model.engine.process(x), dtype=np.float32)
        fault = model_fault(y)
        if fault is None:
            self._fault_streak = False
            return y
        self.stats.faults += 1
        self.stats.last_fault = fault
        if not self._fault_streak:  # one fresh start per streak, not per block
            self._fault_streak = True
            self.model.engine.prewarm()
        self._recovery = round(RECOVERY_S * self.sample_rate)
        return np.zeros_like(x)

    def process(self, x: np.ndarray) -> np.ndarray:
        """Play one mono block (any length) and return as many float32 samples."""
        x, bad = scrub(as_block(x))
        self.stats.nonfinite_in += bad
        self.stats.samples += x.size
        x = self.input_level.process(x)
        gains = self.gate.gains(x) if self.gate.sounding else None
        y = self._run_model(x)
        if gains is not None:
            y = y * gains
        y = self.tone_stack.process(y)
        y = self.cabinet.process(y)
        y = self.dc_blocker.process(y)
        y = self.output_level.process(y)
        if self._fault_streak:
            y = np.zeros_like(y)
        elif self._recovery > 0:
            total = round(RECOVERY_S * self.sample_rate)
            done = total - self._recovery
            y = y * np.minimum((done + np.arange(1, y.size + 1)) / total, 1.0).astype(np.float32)
            self._recovery = max(0, self._recovery - y.size)
        limited, nonfinite = self.limiter.limited, self.limiter.nonfinite
        y = self.limiter.process(y)
        self.stats.limited += self.limiter.limited - limited
        self.stats.nonfinite_out += self.limiter.nonfinite - nonfinite
        return y
