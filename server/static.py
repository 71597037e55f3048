"""Serving files for a cross-origin-isolated page: MIME types, revalidation, gzip for big assets.

Pyodide needs SharedArrayBuffer, so every response carries COOP/COEP/CORP (added by the app's
middleware). Big text-like assets (the Pyodide wasm, stdlib zip, JS) are gzipped once and the
result is kept in memory, keyed by path and modification time.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path

from fastapi import HTTPException, Request, Response
from fastapi.responses import FileResponse

MIME_TYPES = {
    ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
    ".json": "application/json", ".whl": "application/zip", ".zip": "application/zip",
    ".nam": "application/json", ".wav": "audio/wav", ".css": "text/css", ".html": "text/html",
    ".svg": "image/svg+xml", ".map": "application/json", ".tar": "application/x-tar",
}
GZIP_MIN_BYTES = 32 * 1024
GZIP_TYPES = {"text/javascript", "application/wasm", "application/json", "text/css", "text/html",
              "image/svg+xml", "application/x-tar"}
_GZ_CACHE: dict[tuple[Path, int], tuple[bytes, str]] = {}


def media_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0]
    return MIME_TYPES.get(path.suffix.lower()) or guessed or "application/octet-stream"


def safe_path(root: Path, relative: str) -> Path:
    """``root/relative`` if it is a file inside ``root``; 404 otherwise (no ``..`` escapes)."""
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        raise HTTPException(404, f"not found: {relative}")
    return path


def _gzipped(path: Path) -> tuple[bytes, str]:
    key = (path, path.stat().st_mtime_ns)
    if key not in _GZ_CACHE:
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        _GZ_CACHE[key] = (body, '"' + hashlib.sha1(body).hexdigest()[:20] + '-gz"')
    return _GZ_CACHE[key]


def file_response(request: Request, path: Path, cache_control: str = "no-cache") -> Response:
    """The file, gzipped when big, compressible and accepted; 304 when the client's copy is current."""
    mime = media_type(path)
    headers = {"Cache-Control": cache_control}
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
    if mime in GZIP_TYPES and accepts_gzip and path.stat().st_size >= GZIP_MIN_BYTES:
        body, etag = _gzipped(path)
        headers.update({"ETag": etag, "Vary": "Accept-Encoding"})
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=mime, headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(path, media_type=mime, headers=headers)
