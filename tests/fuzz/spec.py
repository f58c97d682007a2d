"""The shipped OpenAPI description of /api/v1/scim, loaded once for the fuzz tests."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parents[2] / "scim" / "openapi.yaml"
BASE = "/api/v1/scim"
METHODS = ("get", "post", "put", "patch", "delete")


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())
