"""The ``nam-web`` command line. Each subcommand lives in its own module of this package.

A subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` (called with the parsed arguments, returns an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from nam_web import __version__
from nam_web.errors import NamWebError

COMMANDS = ("info", "render", "edit", "plot", "capture_signal", "train")
"""Subcommand modules, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nam-web", description="Neural Amp Modeler tools: inspect, render, "
                                     "edit and train .nam amp captures.")
    parser.add_argument("--version", action="version", version=f"nam-web {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"nam_web.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except NamWebError as exc:
        print(f"nam-web {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `nam-web info … | head`: the reader left; that is not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # an output that cannot be written, a disk that is full…
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"nam-web {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nam-web {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
