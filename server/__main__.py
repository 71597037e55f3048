"""``python -m server [--host 127.0.0.1] [--port 8765]``: serve nam-web and print its URL."""

from __future__ import annotations

import argparse
import os

import uvicorn

from server.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default=os.environ.get("NAM_WEB_TOKEN"),
                        help="access token the training API requires (needed to bind beyond localhost)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.token:
        parser.error(f"binding to {args.host} lets other machines use the training server: pass --token")
    if args.token:
        os.environ["NAM_WEB_TOKEN"] = args.token
    app = create_app()
    index = app.state.package_index
    source = f"local folder {index.folder}" if index.folder else f"the Pyodide CDN ({index.base_url})"
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"nam-web: Pyodide packages from {source}", flush=True)
    print(f"nam-web: open http://{host}:{args.port}/", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
