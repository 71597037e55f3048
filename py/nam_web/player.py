"""The live player the browser worker drives: model slots A/B, the amp chain, meters, DI audition.

The worker only moves buffers: it hands :meth:`Player.process_into` whole blocks of input from
the AudioWorklet and gets the processed block back. Everything audible happens here, so the
page, ``nam-web render`` and tests hear the same thing. Parameter changes are smoothed
(:data:`RAMP_SECONDS`) so turning a knob, switching A/B, bypassing or muting never clicks.

Calls from JavaScript pass bytes as ``Uint8Array`` (a JsProxy with ``to_bytes``) and get JSON
strings back; in CPython the same methods take ``bytes`` and return the same strings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nam_web import models, namfile, wav
from nam_web.errors import NamWebError

RAMP_SECONDS = 0.02
"""Time (s) a gain change, bypass, mute or A/B crossfade takes."""

SLOTS = ("A", "B")
NORMALIZED_LOUDNESS_DB = -18.0
"""Loudness (dB) the normalized output mode aims for, as in the NAM plugin."""


def _as_bytes(data: Any) -> bytes:
    """bytes from bytes/bytearray/memoryview or a Pyodide JsProxy of a Uint8Array/ArrayBuffer."""
    to_bytes = getattr(data, "to_bytes", None)
    return to_bytes() if to_bytes else bytes(data)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


@dataclass
class Controls:
    """The knobs and switches of the player (dB, or -1…1 for the tone stack as in the plugin's 0–10 knobs)."""

    input_db: float = 0.0
    output_db: float = 0.0
    output_mode: str = "normalized"
    """"raw", "normalized" (to -18 dB loudness) or "calibrated" (the model's output level, dBu)."""
    gate_db: float = -80.0
    bass: float = 5.0
    mid: float = 5.0
    treble: float = 5.0
    ir_on: bool = True
    bypass: bool = False
    mute: bool = False


class Ramp:
    """A gain that glides linearly to its target over ``RAMP_SECONDS`` (no zipper noise, no clicks)."""

    def __init__(self, value: float, sample_rate: float) -> None:
        self.value = value
        self.target = value
        self.step = 0.0
        self.sample_rate = sample_rate

    def set(self, target: float) -> None:
        self.target = target
        self.step = (target - self.value) / max(1.0, RAMP_SECONDS * self.sample_rate)

    def next(self, n: int) -> float | np.ndarray:
        """The gain for the next ``n`` samples: a float when steady, else a float32 ramp."""
        if self.value == self.target:
            return self.value
        ramp = self.value + self.step * np.arange(1, n + 1, dtype=np.float64)
        ramp = np.minimum(ramp, self.target) if self.step > 0 else np.maximum(ramp, self.target)
        self.value = float(ramp[-1])
        return ramp.astype(np.float32)


@dataclass
class ModelInfo:
    """What the page shows about a loaded model."""

    name: str
    architecture: str
    size_class: str
    sample_rate: float | None
    gear: str
    loudness_db: float | None
    output_level_dbu: float | None
    weights: int
    receptive_field: int
    macs_per_sample: int


def size_class(config: models.ModelConfig) -> str:
    """NAM's size names (Standard, Lite, Feather, Nano) from the architecture's shape."""
    summary = config.summary()
    if config.architecture == "WaveNet":
        channels = summary.get("channels") or summary.get("layer_channels")
        first = channels[0] if isinstance(channels, list | tuple) and channels else channels
        return {16: "Standard", 12: "Lite", 8: "Feather", 4: "Nano"}.get(first, f"WaveNet {first or '?'} ch")
    if config.architecture == "LSTM":
        return f"LSTM {summary.get('hidden_size', '?')}"
    return config.architecture


def describe_model(doc: namfile.NamDocument, config: models.ModelConfig, name: str) -> ModelInfo:
    meta = doc.metadata if isinstance(doc.metadata, dict) else {}
    gear = " ".join(str(meta[k]) for k in ("gear_make", "gear_model") if meta.get(k)) or str(meta.get("gear_type") or "")
    number = lambda k: float(meta[k]) if isinstance(meta.get(k), int | float) else None  # noqa: E731
    return ModelInfo(
        name=str(meta.get("name") or name.removesuffix(".nam")), architecture=doc.architecture,
        size_class=size_class(config), sample_rate=doc.sample_rate, gear=gear,
        loudness_db=number("loudness"), output_level_dbu=number("output_level_dbu"),
        weights=config.num_weights(), receptive_field=config.receptive_field,
        macs_per_sample=config.macs_per_sample(),
    )


class Player:
    """Two model slots, the amp chain and meters at the audio context's sample rate (Hz)."""

    def __init__(self, sample_rate: float) -> None:
        self.sample_rate = float(sample_rate)
        self.controls = Controls()
        self.engines: dict[str, models.Model | None] = dict.fromkeys(SLOTS)
        self.infos: dict[str, ModelInfo | None] = dict.fromkeys(SLOTS)
        self.docs: dict[str, namfile.NamDocument | None] = dict.fromkeys(SLOTS)
        self.active = "A"
        self.di: np.ndarray | None = None
        self.di_pos = 0
        self.di_name = ""
        self._make_ramps()
        self.take_meters()

    # --- set-up ---------------------------------------------------------------------------
    def _make_ramps(self) -> None:
        self.input_gain = Ramp(db_to_gain(self.controls.input_db), self.sample_rate)
        self.output_gain = Ramp(self._output_gain(), self.sample_rate)
        self.wet = Ramp(0.0 if self.controls.bypass else 1.0, self.sample_rate)
        self.mix = {slot: Ramp(1.0 if slot == self.active else 0.0, self.sample_rate) for slot in SLOTS}

    def set_sample_rate(self, sample_rate: float) -> str:
        self.sample_rate = float(sample_rate)
        self._make_ramps()
        return self.describe()

    def describe(self) -> str:
        return json.dumps({
            "sample_rate": self.sample_rate, "active": self.active, "controls": asdict(self.controls),
            "slots": {s: asdict(i) if i else None for s, i in self.infos.items()}, "di": self.di_name or None,
        })

    def load_model(self, data: Any, slot: str = "A", name: str = "model.nam") -> str:
        """Check and load a .nam file into ``slot``; on any problem the slot keeps its old model."""
        if slot not in SLOTS:
            raise NamWebError(f"unknown slot {slot!r} (use A or B)")
        try:
            doc = namfile.loads(_as_bytes(data))
            config = models.parse_config(doc)
            engine = models.build(doc)
            engine.prewarm()
        except NamWebError as err:
            raise NamWebError(f"{name}: {err}") from None
        except Exception as err:  # an engine bug must not take the player down
            raise NamWebError(f"{name}: cannot be played ({type(err).__name__}: {err})") from None
        self.engines[slot] = engine
        self.docs[slot] = doc
        self.infos[slot] = describe_model(doc, config, name)
        if slot == self.active:
            self.output_gain.set(self._output_gain())
        return json.dumps(asdict(self.infos[slot]))

    def inspect_model(self, data: Any, name: str = "model.nam") -> str:
        """Check a .nam file and describe it without loading it (for the library)."""
        try:
            doc = namfile.loads(_as_bytes(data))
            config = models.parse_config(doc)
        except NamWebError as err:
            raise NamWebError(f"{name}: {err}") from None
        return json.dumps(asdict(describe_model(doc, config, name)))

    def select(self, slot: str) -> str:
        """Crossfade to the model in ``slot`` (A/B switching)."""
        if slot not in SLOTS:
            raise NamWebError(f"unknown slot {slot!r} (use A or B)")
        self.active = slot
        for s in SLOTS:
            self.mix[s].set(1.0 if s == slot else 0.0)
        self.output_gain.set(self._output_gain())
        return self.describe()

    def set_controls(self, **changes: Any) -> str:
        for key, value in changes.items():
            if not hasattr(self.controls, key):
                raise NamWebError(f"unknown control {key!r}")
            current = getattr(self.controls, key)
            setattr(self.controls, key, type(current)(value))
        self.input_gain.set(db_to_gain(self.controls.input_db))
        self.output_gain.set(self._output_gain())
        self.wet.set(0.0 if self.controls.bypass else 1.0)
        return json.dumps(asdict(self.controls))

    def _output_gain(self) -> float:
        c = self.controls
        if c.mute:
            return 0.0
        db = c.output_db
        info = self.infos[self.active]
        if c.output_mode == "normalized" and info and info.loudness_db is not None:
            db += NORMALIZED_LOUDNESS_DB - info.loudness_db
        return db_to_gain(db)

    def set_di(self, data: Any = None, name: str = "DI.wav") -> str:
        """Loop a DI recording instead of the live input (None stops the audition)."""
        if data is None:
            self.di, self.di_name = None, ""
            return self.describe()
        try:
            audio = wav.read(_as_bytes(data))
        except NamWebError as err:
            raise NamWebError(f"{name}: {err}") from None
        self.di = self._at_context_rate(audio)
        self.di_pos = 0
        self.di_name = name
        return self.describe()

    def _at_context_rate(self, audio: wav.Audio) -> np.ndarray:
        x = audio.mono()
        if audio.sample_rate == self.sample_rate:
            return np.ascontiguousarray(x, dtype=np.float32)
        t = np.arange(round(x.size * self.sample_rate / audio.sample_rate)) * (audio.sample_rate / self.sample_rate)
        return np.interp(t, np.arange(x.size), x).astype(np.float32)

    # --- audio ----------------------------------------------------------------------------
    def _next_di(self, n: int) -> np.ndarray:
        assert self.di is not None
        idx = (self.di_pos + np.arange(n)) % self.di.size
        self.di_pos = int((self.di_pos + n) % self.di.size)
        return self.di[idx]

    def process(self, x: np.ndarray) -> np.ndarray:
        """One block of mono float32 input at the context rate -> the same number of output samples."""
        n = x.size
        if self.di is not None:
            x = self._next_di(n)
        x = x * self.input_gain.next(n)
        self._meter("in", x)
        wet = np.zeros(n, dtype=np.float32)
        for slot in SLOTS:
            engine, mix = self.engines[slot], self.mix[slot]
            if engine is None or (mix.value == 0.0 and mix.target == 0.0):
                continue
            wet += engine.process(x) * mix.next(n)
        if not any(self.engines.values()):
            wet = x
        dry_amount = self.wet.next(n)
        y = (wet * dry_amount + x * (1.0 - dry_amount)) * self.output_gain.next(n)
        y = np.asarray(y, dtype=np.float32)
        self._meter("out", y)
        return y

    def process_into(self, inp: Any, out: Any) -> None:
        """Pyodide glue: read a JS Float32Array block, process it, write the result into ``out``."""
        x = np.empty(inp.length, dtype=np.float32)
        inp.assign_to(x)
        out.assign(self.process(x))

    def _meter(self, which: str, x: np.ndarray) -> None:
        if x.size:
            peak = float(np.max(np.abs(x)))
            self.meters[f"{which}_peak"] = max(self.meters[f"{which}_peak"], peak)
            self.meters[f"{which}_clips"] += int(np.count_nonzero(np.abs(x) >= 1.0))

    def take_meters(self) -> str:
        """Peaks (linear) and clipped-sample counts since the last call, as JSON."""
        current = json.dumps(getattr(self, "meters", {}))
        self.meters = {"in_peak": 0.0, "out_peak": 0.0, "in_clips": 0, "out_clips": 0}
        return current

    def render(self, data: Any = None, name: str = "DI.wav") -> bytes:
        """Offline: the DI (given, or the one auditioning) through the current chain, as a float32 WAV."""
        source = self.di if data is None else self._at_context_rate(wav.read(_as_bytes(data)))
        if source is None:
            raise NamWebError("no DI loaded: load a DI WAV (or the bundled clip) first")
        twin = Player(self.sample_rate)
        twin.controls = Controls(**asdict(self.controls))
        twin.docs, twin.infos = dict(self.docs), dict(self.infos)
        twin.engines = {s: self._fresh(s) if s == self.active else None for s in SLOTS}
        twin.active = self.active
        twin._make_ramps()
        out = np.concatenate([twin.process(source[i:i + 4096]) for i in range(0, source.size, 4096)])
        return wav.encode(out, int(self.sample_rate))

    def _fresh(self, slot: str) -> models.Model | None:
        """A new prewarmed engine for ``slot``'s model (the live one keeps its state)."""
        doc = self.docs[slot]
        if doc is None:
            return None
        engine = models.build(doc)
        engine.prewarm()
        return engine
