"""The player's server: cross-origin isolation on every response, MIME types, gzip, package index."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from server import packages
from server.app import ISOLATION_HEADERS, Settings, create_app

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
needs_npm = pytest.mark.skipif(not (NODE_MODULES / "pyodide" / "package.json").exists(),
                               reason="npm install has not run (node_modules/pyodide missing)")


def fake_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pkgs"
    folder.mkdir()
    (folder / "numpy-2.2.5-cp313-cp313-pyodide_2025_0_wasm32.whl").write_bytes(b"not really a wheel")
    (folder / "libopenblas-0.3.26.zip").write_bytes(b"blas")
    return folder


def fake_extra(tmp_path: Path) -> Path:
    """Where ``make install`` puts micropip from PyPI."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "micropip-0.11.0-py3-none-any.whl").write_bytes(b"micropip from PyPI")
    return extra


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    if not (NODE_MODULES / "pyodide" / "package.json").exists():
        pytest.skip("npm install has not run (node_modules/pyodide missing)")
    tmp = tmp_path_factory.mktemp("server")
    settings = Settings(package_folder=fake_folder(tmp), extra_package_folder=fake_extra(tmp),
                        wheel_cache=tmp / "wheels")
    return TestClient(create_app(settings))


@needs_npm
@pytest.mark.parametrize(("path", "mime"), [
    ("/", "text/html"), ("/js/engine-worker.js", "text/javascript"), ("/js/worklet.js", "text/javascript"),
    ("/pyodide/pyodide.mjs", "text/javascript"), ("/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/api/config", "application/json"), ("/pyodide-packages/pyodide-lock.json", "application/json"),
])
def test_every_response_is_cross_origin_isolated(client: TestClient, path: str, mime: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(mime)
    for header, value in ISOLATION_HEADERS.items():
        assert response.headers[header] == value


@needs_npm
def test_errors_are_isolated_too_and_paths_cannot_escape(client: TestClient) -> None:
    for path in ("/nope.js", "/pyodide/../package.json", "/pyodide/%2e%2e/package.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["cross-origin-embedder-policy"] == "require-corp"


@needs_npm
def test_big_assets_are_gzipped_and_revalidate(client: TestClient) -> None:
    response = client.get("/pyodide/pyodide.asm.wasm", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    again = client.get("/pyodide/pyodide.asm.wasm",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@needs_npm
def test_config_and_lock_describe_the_local_folder(client: TestClient) -> None:
    config = client.get("/api/config").json()
    assert config["packages"]["source"] == "local"
    assert config["packages"]["optional"] == ["libopenblas"]  # the page loads it: faster WaveNet
    assert config["pyodide"]["version"] == "0.29.3"
    lock = client.get("/pyodide-packages/pyodide-lock.json").json()
    assert set(lock["packages"]) == {"numpy", "libopenblas", "micropip"}
    assert lock["packages"]["numpy"]["sha256"] == hashlib.sha256(b"not really a wheel").hexdigest()
    assert lock["packages"]["micropip"]["sha256"] == hashlib.sha256(b"micropip from PyPI").hexdigest()
    assert client.get("/pyodide-packages/libopenblas-0.3.26.zip").content == b"blas"
    assert client.get("/pyodide-packages/micropip-0.11.0-py3-none-any.whl").content == b"micropip from PyPI"
    assert client.get("/pyodide-packages/..%2Fextra/micropip-0.11.0-py3-none-any.whl").status_code == 404
    wheel = client.get(config["wheel"])
    assert wheel.status_code == 200 and wheel.content[:2] == b"PK"


def test_without_a_local_folder_packages_come_from_the_matching_cdn() -> None:
    index = packages.choose_index("0.29.3", None)
    assert index.source == "cdn"
    assert index.base_url == "https://cdn.jsdelivr.net/pyodide/v0.29.3/full/"
    assert index.lock_url is None
    assert index.optional == ("libopenblas",)


def test_a_local_folder_without_openblas_offers_no_optional_package(tmp_path: Path) -> None:
    folder = fake_folder(tmp_path)
    (folder / "libopenblas-0.3.26.zip").unlink()
    assert packages.choose_index("0.29.3", folder).optional == ()


def test_the_env_var_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fake_folder(tmp_path)
    monkeypatch.setenv(packages.ENV_VAR, str(folder))
    assert packages.local_folder() == folder
    monkeypatch.setenv(packages.ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(SystemExit, match="no such folder"):
        packages.local_folder()


def test_lock_rewrite_keeps_only_present_files(tmp_path: Path) -> None:
    npm_lock = {"info": {"version": "x"}, "packages": {
        "numpy": {"name": "numpy", "file_name": "numpy-old.whl", "sha256": "0"},
        "micropip": {"name": "micropip", "file_name": "micropip-0.11.0-py3-none-any.whl", "sha256": "0"},
        "scipy": {"name": "scipy", "file_name": "scipy.whl", "sha256": "0"}}}
    lock = packages.rewrite_lock(npm_lock, [fake_folder(tmp_path), fake_extra(tmp_path)])
    assert list(lock["packages"]) == ["numpy", "micropip"]
    assert lock["packages"]["numpy"]["file_name"].startswith("numpy-2.2.5")
    assert lock["packages"]["micropip"]["sha256"] == hashlib.sha256(b"micropip from PyPI").hexdigest()
    assert json.dumps(lock)


def test_a_micropip_in_the_local_folder_wins(tmp_path: Path) -> None:
    folder, extra = fake_folder(tmp_path), fake_extra(tmp_path)
    (folder / "micropip-0.11.0-py3-none-any.whl").write_bytes(b"the user's own")
    assert packages.package_files([folder, extra])["micropip"].parent == folder


def test_a_local_folder_without_micropip_says_how_to_get_it(tmp_path: Path) -> None:
    npm_lock = {"info": {}, "packages": {"numpy": {"name": "numpy", "file_name": "numpy.whl", "sha256": "0"}}}
    with pytest.raises(SystemExit, match=r"micropip for Pyodide is missing .*make install"):
        packages.rewrite_lock(npm_lock, [fake_folder(tmp_path), tmp_path / "no-extra"])


@needs_npm
def test_micropip_is_fetched_at_the_version_npm_pyodide_names(tmp_path: Path) -> None:
    """``make install`` step: skips the download when the wheel is already there (no network here)."""
    npm_lock = NODE_MODULES / "pyodide" / "pyodide-lock.json"
    version = json.loads(npm_lock.read_text())["packages"]["micropip"]["version"]
    wheel = tmp_path / f"micropip-{version}-py3-none-any.whl"
    wheel.write_bytes(b"cached")
    assert packages.fetch_from_pypi(npm_lock, tmp_path) == [wheel]
