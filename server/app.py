"""The FastAPI app: the browser player (web/), Pyodide, NumPy packages, the nam_web wheel.

Extending it (e.g. training): write an ``APIRouter`` in its own module and add one line to
:func:`create_app` in the "feature routers" spot, before the static catch-all::

    app.include_router(training.router)

Every response (page, workers, wasm, API) carries the cross-origin-isolation headers, so the page
may use SharedArrayBuffer; routers need do nothing for that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response

from server import packages, training
from server.static import file_response, safe_path
from server.wheel import ROOT, build_wheel, source_hash

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
VERSIONED = "public, max-age=604800, immutable"
"""Cache policy for files whose URL changes with their content (npm packages, hashed wheel)."""


@dataclass
class Settings:
    """Where things are; tests override these to point at temporary folders."""

    web_dir: Path = ROOT / "web"
    node_modules: Path = ROOT / "node_modules"
    package_folder: Path | None = field(default_factory=packages.local_folder)
    extra_package_folder: Path = packages.EXTRA_DIR
    """micropip from PyPI, served next to the local folder's packages (``make install`` fills it)."""
    wheel_cache: Path = Path.home() / ".cache" / "nam-web" / "wheels"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. Each ``_add_*`` function below adds one group of routes."""
    settings = settings or Settings()
    app = FastAPI(title="nam-web", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings

    @app.middleware("http")
    async def cross_origin_isolation(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(ISOLATION_HEADERS)
        return response

    _add_pyodide(app, settings)
    _add_nam_web_wheel(app, settings)
    # --- feature routers go here (before the static catch-all) ---
    training.mount(app)
    _add_web(app, settings)
    return app


def _pyodide_version(settings: Settings) -> str:
    return json.loads((settings.node_modules / "pyodide" / "package.json").read_text())["version"]


def _add_pyodide(app: FastAPI, settings: Settings) -> None:
    pyodide_dir = settings.node_modules / "pyodide"
    pyscript_dir = settings.node_modules / "@pyscript" / "core" / "dist"
    index = packages.choose_index(_pyodide_version(settings), settings.package_folder)
    app.state.package_index = index

    @app.api_route("/pyodide/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def pyodide_file(path: str, request: Request) -> Response:
        return file_response(request, safe_path(pyodide_dir, path), VERSIONED)

    @app.get("/pyscript/{path:path}", include_in_schema=False)
    def pyscript_file(path: str, request: Request) -> Response:
        return file_response(request, safe_path(pyscript_dir, path), VERSIONED)

    if index.folder is not None:
        folders = [index.folder, settings.extra_package_folder]
        files = packages.package_files(folders)
        lock = packages.lock_bytes(pyodide_dir / "pyodide-lock.json", folders)

        @app.get("/pyodide-packages/pyodide-lock.json", include_in_schema=False)
        def package_lock() -> Response:
            return Response(lock, media_type="application/json", headers={"Cache-Control": "no-cache"})

        @app.get("/pyodide-packages/{path:path}", include_in_schema=False)
        def package_file(path: str, request: Request) -> Response:
            served = files.get(packages.package_name(path))
            if served is None or served.name != path:
                raise HTTPException(404, f"not found: {path}")
            return file_response(request, served, VERSIONED)


def _add_nam_web_wheel(app: FastAPI, settings: Settings) -> None:
    wheel = build_wheel(settings.wheel_cache)
    version = source_hash()
    app.state.wheel_url = f"/wheels/{wheel.name}?v={version}"

    @app.get("/wheels/{name}", include_in_schema=False)
    def wheel_file(name: str, request: Request) -> Response:
        return file_response(request, safe_path(wheel.parent, name), VERSIONED)

    @app.get("/api/config")
    def config() -> dict:
        """Where the page gets Pyodide, its packages and nam_web."""
        index = app.state.package_index
        return {
            "pyodide": {"indexURL": "/pyodide/", "version": _pyodide_version(settings)},
            "packages": {"source": index.source, "baseURL": index.base_url, "lockFileURL": index.lock_url,
                         "folder": str(index.folder) if index.folder else None,
                         "optional": list(index.optional)},
            "wheel": app.state.wheel_url,
        }


def _add_web(app: FastAPI, settings: Settings) -> None:
    web_dir = settings.web_dir

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index(request: Request) -> Response:
        return file_response(request, safe_path(web_dir, "index.html"))

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    def web_file(path: str, request: Request) -> Response:
        return file_response(request, safe_path(web_dir, path))
