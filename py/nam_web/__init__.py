"""nam-web: Neural Amp Modeler in pure Python + NumPy, for the browser (Pyodide), the CLI and the server."""

from nam_web.errors import NamFileError, NamWebError, WavError

__version__ = "0.1.0"

__all__ = ["NamFileError", "NamWebError", "WavError", "__version__"]
