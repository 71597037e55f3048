"""The .nam inspector: metadata schema and editing, weight tables, sweep responses, A/B compare.

Pure NumPy, so the page runs the same code in Pyodide as the CLI runs in CPython.
"""

from nam_web.inspect.metadata import FIELDS, GEAR_TYPES, TONE_TYPES, MetadataEditor, edit
from nam_web.inspect.report import compare, describe
from nam_web.inspect.response import Response, measure
from nam_web.inspect.weights import WeightTable, weight_tables

__all__ = ["FIELDS", "GEAR_TYPES", "TONE_TYPES", "MetadataEditor", "Response", "WeightTable", "compare",
           "describe", "edit", "measure", "weight_tables"]
