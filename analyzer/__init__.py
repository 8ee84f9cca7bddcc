"""analyzer: bulk analysis of 城镇老旧小区改造 (old residential community renovation) reports.

Public API:
    analyze_file(path) -> FileResult                   one file, in the output contract's shape
    analyze_batch(paths, out_dir, ...) -> RunSummary   many files, in parallel, written to out_dir
    read_document(path) -> Document                    just the reader stage
    validate_document(data)                            check a result dict against the JSON Schema

The names are imported lazily, so ``import analyzer.normalize`` does not load the PDF libraries.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "analyze_file": "pipeline", "read_document": "readers", "analyze_batch": "runner",
    "RunSummary": "runner", "validate_document": "contract",
    "Block": "types", "Document": "types", "ErrorInfo": "types", "Evidence": "types", "Fact": "types",
    "FileResult": "types", "Flag": "types", "Placeholder": "types", "Problem": "types",
    "Report": "types", "Section": "types",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
