"""Send every file in events/ through lambda_handler and print the answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))

import app  # noqa: E402  (init: loads and verifies the model once)


def main() -> int:
    for path in sorted((ROOT / "events").rglob("*.json")):
        response = app.lambda_handler(json.loads(path.read_text()), None)
        if "statusCode" in response:
            response = {"statusCode": response["statusCode"], **json.loads(response["body"])}
        print(f"{path.relative_to(ROOT)}: {json.dumps(response)[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
