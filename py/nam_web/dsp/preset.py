"""Chain presets: a small JSON document naming the model, the IR and the settings.

The browser and the CLI share them (``nam-web render --preset``)::

    {
      "schema": 1,
      "name": "Crunch rhythm",
      "model": {"file": "plexi.nam", "sha256": "…"},
      "ir": {"file": "4x12 V30.wav", "sha256": "…"},
      "settings": {"input_db": 0, "bass": 6.5, "gate_active": true, "gate_threshold_db": -60, …}
    }

``model`` and ``ir`` may be null. Files are referred to by name plus the SHA-256 of their bytes,
so a preset finds its files wherever they are and notices when a file with that name changed.
Settings missing from the document take their defaults; unknown ones are an error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nam_web.dsp.chain import ChainSettings
from nam_web.errors import NamWebError
from nam_web.files import read_limited

SCHEMA = 1
MAX_PRESET_BYTES = 64 * 1024
_KEYS = ("schema", "name", "model", "ir", "settings")


class PresetError(NamWebError, ValueError):
    """A preset document is malformed, from a newer schema, or does not match its files."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileRef:
    """A file a preset uses: its name (no directories) and the SHA-256 of its bytes."""

    file: str
    sha256: str

    @classmethod
    def of(cls, path: str | Path) -> FileRef:
        """Reference an existing file."""
        path = Path(path)
        try:
            return cls(path.name, sha256(path.read_bytes()))
        except OSError as exc:
            raise PresetError(f"cannot read {path}: {exc.strerror}") from None

    @classmethod
    def from_json(cls, obj: Any, at: str) -> FileRef | None:
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise PresetError(f"{at} must be an object with 'file' and 'sha256', or null")
        name, digest = obj.get("file"), obj.get("sha256")
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or len(name) > 255:
            raise PresetError(f"{at}.file must be a plain file name")
        if not (isinstance(digest, str) and len(digest) == 64
                and all(c in "0123456789abcdef" for c in digest)):
            raise PresetError(f"{at}.sha256 must be 64 lowercase hex digits")
        return cls(name, digest)

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "sha256": self.sha256}

    def check(self, data: bytes, what: str) -> None:
        """Raise unless ``data`` is the referenced file's content."""
        if sha256(data) != self.sha256:
            raise PresetError(f"{what} {self.file!r} is not the file this preset was saved with "
                              f"(SHA-256 differs)")

    def find(self, folders: list[Path]) -> Path:
        """The first ``folder/file`` that exists and has the right content."""
        for folder in folders:
            path = folder / self.file
            if path.is_file():
                self.check(path.read_bytes(), "file")
                return path
        raise PresetError(f"cannot find {self.file!r} (looked in {', '.join(str(f) for f in folders)})")


@dataclass(frozen=True)
class Preset:
    """Model + IR + chain settings, as saved and shared."""

    settings: ChainSettings = field(default_factory=ChainSettings)
    model: FileRef | None = None
    ir: FileRef | None = None
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "name": self.name,
                "model": self.model.to_json() if self.model else None,
                "ir": self.ir.to_json() if self.ir else None,
                "settings": self.settings.to_json()}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, obj: Any) -> Preset:
        if not isinstance(obj, dict):
            raise PresetError("a preset is a JSON object")
        schema = obj.get("schema")
        if isinstance(schema, bool) or not isinstance(schema, int):
            raise PresetError("preset has no integer 'schema' version")
        if schema > SCHEMA:
            raise PresetError(f"preset schema {schema} is newer than this nam-web understands ({SCHEMA})")
        if schema < 1:
            raise PresetError(f"preset schema {schema} is not valid")
        unknown = sorted(set(obj) - set(_KEYS))
        if unknown:
            raise PresetError(f"unknown preset key(s): {', '.join(unknown)}")
        name = obj.get("name", "")
        if not isinstance(name, str) or len(name) > 200:
            raise PresetError("preset name must be text of at most 200 characters")
        try:
            settings = ChainSettings.from_json(obj.get("settings", {}))
        except (TypeError, ValueError) as exc:
            raise PresetError(f"settings: {exc}") from None
        model, ir = FileRef.from_json(obj.get("model"), "model"), FileRef.from_json(obj.get("ir"), "ir")
        return cls(settings, model, ir, name)

    @classmethod
    def loads(cls, text: str | bytes) -> Preset:
        if len(text) > MAX_PRESET_BYTES:
            raise PresetError(f"preset is larger than {MAX_PRESET_BYTES // 1024} KB")
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PresetError(f"preset is not valid JSON: {exc}") from None
        return cls.from_json(obj)

    @classmethod
    def load(cls, path: str | Path) -> Preset:
        return cls.loads(read_limited(path, MAX_PRESET_BYTES, "presets", PresetError))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.dumps())
