"""Reading a function's answer: what is wrong with it, if anything."""

from __future__ import annotations

import json


def error_answer(payload: bytes) -> str | None:
    """What is wrong with an answer: not JSON, an HTTP error, or the app's error document."""
    try:
        document = json.loads(payload)
    except ValueError:
        return "not JSON"
    if isinstance(document, dict) and "statusCode" in document:
        if document["statusCode"] != 200:
            return f"HTTP {document['statusCode']}"
        try:
            document = json.loads(document.get("body") or "null")
        except (TypeError, ValueError):
            return "an HTTP body that is not JSON"
    if isinstance(document, dict) and "error" in document:
        return "an error document"
    return None
