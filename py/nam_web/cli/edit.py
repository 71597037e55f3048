"""``nam-web edit``: change a capture's metadata (name, gear, tone, calibration levels) safely.

Values are checked like the inspector checks them (the trainer's gear/tone enums, dBu ranges,
text lengths). The new file has the original weights, version, config and unknown keys.
"""

from __future__ import annotations

import argparse

from nam_web import namfile
from nam_web.inspect.metadata import FIELDS, MetadataEditor, parse_assignment


def _fields_help() -> str:
    return "; ".join(f"{f.key}" + (f" ({'|'.join(f.choices)})" if f.choices else "") for f in FIELDS)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("edit", help="edit a .nam file's metadata and save a new file",
                              description="Edit metadata fields of a .nam file. Fields: " + _fields_help()
                              + ". An empty value (name=) clears a field.")
    p.add_argument("model", help=".nam file to read")
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE",
                   help="set one field (repeatable)")
    p.add_argument("-o", "--output", required=True, help="where to write the edited .nam file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    doc = namfile.load(args.model)
    editor = MetadataEditor(doc)
    for text in args.assignments:
        editor.set(*parse_assignment(text))
    editor.saved_text()  # refuses what JSON cannot store, with a clear message, before writing
    namfile.save(editor.document(), args.output)
    for key, (before, after) in editor.changes().items():
        print(f"{key}: {before!r} -> {after!r}")
    print(f"wrote {args.output}" + ("" if editor.can_undo else " (no changes)"))
    return 0
