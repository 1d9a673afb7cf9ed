"""Write the API's OpenAPI document to docs/openapi.json (committed; CI checks it for drift).

Run: .venv/bin/python -m mahnwerk_local.openapi_export
"""

from __future__ import annotations

import json

from mahnwerk.api.app import openapi_json

from .cfn import project_root

PATH = project_root() / "docs" / "openapi.json"


def current() -> str:
    return json.dumps(json.loads(openapi_json()), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    PATH.write_text(current(), encoding="utf-8")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
