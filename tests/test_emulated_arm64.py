"""--emulate-arm64: the arm64 function executes aarch64 code and answers like the x86_64 one."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from helpers import ARM_FUNCTION, ROOT, X86_FUNCTION, good_event_paths, needs_tools
from local_lambda.arm64 import TOOLS
from local_lambda.launcher import local_runtime


@pytest.mark.slow
@needs_tools(*TOOLS)
def test_emulated_arm64_function_answers_exactly_like_x86_64() -> None:
    with local_runtime(ROOT / "template.yaml", emulate_arm64=True) as runtime:
        client = runtime.client()
        answers: dict[tuple[str, str], Any] = {}
        for name in (ARM_FUNCTION, X86_FUNCTION):
            for path in good_event_paths():
                response = client.invoke(FunctionName=name, Payload=path.read_bytes(),
                                         LogType="Tail")
                assert "FunctionError" not in response
                document = json.loads(response["Payload"].read())
                if "statusCode" in document:
                    document = json.loads(document["body"])
                answers[name, path.name] = document
            report = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
            if name.startswith("XGBoostInferenceArm64"):
                assert "EMULATED aarch64 under qemu" in report
    arm = answers[ARM_FUNCTION, "event-describe.json"]
    x86 = answers[X86_FUNCTION, "event-describe.json"]
    assert arm["machine"] == "aarch64" and x86["machine"] == "x86_64"
    assert arm["model_sha256"] == x86["model_sha256"] and arm["engine"] == x86["engine"]
    for path in good_event_paths():
        if path.name == "event-describe.json":
            continue
        mine = answers[ARM_FUNCTION, path.name]
        theirs = answers[X86_FUNCTION, path.name]
        assert [p["label"] for p in mine["predictions"]] == [
            p["label"] for p in theirs["predictions"]]
        for a, b in zip(mine["predictions"], theirs["predictions"], strict=True):
            assert abs(a["probabilities"]["benign"] - b["probabilities"]["benign"]) <= 1e-6
