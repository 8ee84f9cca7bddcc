"""The output contract as a JSON Schema (schema/document.schema.json), and a validator for it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "schema" / "document.schema.json"


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def validate_document(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` if ``data`` does not follow the per-file contract."""
    import jsonschema

    jsonschema.Draft202012Validator(load_schema()).validate(data)
