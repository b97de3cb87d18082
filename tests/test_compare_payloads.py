"""--payloads: the user's own requests, read and checked whole, replayed on both functions."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from helpers import ARM_FUNCTION, ROOT, X86_FUNCTION, read_parity
from lambda_compare.cli import main
from lambda_compare.errors import UserError
from lambda_compare.payloads import Request, load_requests, mix_description, replay_order
from local_lambda.launcher import local_runtime


def rows(n: int) -> list[list[float | None]]:
    _, parity_rows, _ = read_parity()
    return [parity_rows[i % len(parity_rows)] for i in range(n)]


def function_url_event(document: dict[str, object], base64_body: bool = False) -> dict:
    body = json.dumps(document)
    return {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
            "isBase64Encoded": base64_body,
            "body": base64.b64encode(body.encode()).decode() if base64_body else body}


def write_mix(path: Path, sizes: list[int]) -> Path:
    """Direct payloads of these batch sizes, and one Function URL event of two rows."""
    lines = [json.dumps({"instances": rows(n)}) for n in sizes]
    lines.append(json.dumps(function_url_event({"instances": rows(2)}, base64_body=True)))
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_a_mix_counts_rows_of_direct_payloads_and_of_proxy_events(tmp_path):
    requests = load_requests(write_mix(tmp_path / "mix.jsonl", [1, 10, 100]))
    assert [r.rows for r in requests] == [1, 10, 100, 2]
    assert [r.origin for r in requests] == [f"{tmp_path / 'mix.jsonl'}:{n}" for n in (1, 2, 3, 4)]
    assert [r.bucket for r in requests] == ["1 row", "2–10 rows", "11–100 rows", "2–10 rows"]
    assert mix_description(requests).startswith("mix of 4 requests (1× 1 row, 2× 2–10 rows")


def test_a_directory_is_every_json_file_in_name_order(tmp_path):
    (tmp_path / "b.json").write_text(json.dumps({"instances": rows(3)}))
    (tmp_path / "a.json").write_text(json.dumps({"instances": rows(5)}, indent=2))
    (tmp_path / "notes.txt").write_text("not a request")
    requests = load_requests(tmp_path)
    assert [(Path(r.origin).name, r.rows) for r in requests] == [("a.json", 5), ("b.json", 3)]


@pytest.mark.parametrize(("line", "expected"), [
    ("{not json", "line 2: not JSON"),
    ("[1, 2]", "line 2: a request is a JSON object, not list"),
    ('{"instances": []}', 'line 2: "instances" must be a non-empty list'),
    (json.dumps({"requestContext": {"http": {}}, "body": "{oops"}),
     "line 2: the event's body is not JSON"),
])
def test_a_bad_line_is_one_error_with_its_line_number(tmp_path, line, expected):
    mix = tmp_path / "mix.jsonl"
    mix.write_text(json.dumps({"instances": rows(1)}) + "\n" + line + "\n")
    with pytest.raises(UserError) as caught:
        load_requests(mix)
    assert caught.value.code == "bad_payloads"
    assert expected.replace("line ", f"{mix}:") in caught.value.message
    assert caught.value.message.endswith("nothing was sent")


def test_a_bad_line_sends_nothing_and_exits_2(tmp_path, capsys):
    mix = tmp_path / "mix.jsonl"
    mix.write_text(json.dumps({"instances": rows(1)}) + "\n{\n")
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    with Stubber(client) as stubber:  # no response queued: any call would fail the test
        code = main(["--arm64", ARM_FUNCTION, "--x86-64", X86_FUNCTION, "--payloads", str(mix)],
                    lambda_client=client)
        stubber.assert_no_pending_responses()
    assert code == 2
    assert f"{mix}:2: not JSON" in capsys.readouterr().err


def test_shuffle_is_one_seeded_order():
    base = list(range(20))
    mix = [Request(b"{}", 1, str(i), i) for i in base]
    first, again = replay_order(mix, True, 7), replay_order(mix, True, 7)
    assert [r.index for r in first] == [r.index for r in again] != base
    assert [r.index for r in replay_order(mix, False, 7)] == base


@pytest.fixture(scope="module")
def app_runtime():
    with local_runtime(ROOT / "template.yaml", max_concurrency=2) as running:
        yield running


def test_replay_sends_the_same_requests_in_the_same_order_to_both(app_runtime, tmp_path,
                                                                   capsys):
    mix = write_mix(tmp_path / "mix.jsonl", [1, 10, 100, 1, 10])
    out = tmp_path / "r.json"
    code = main(["--endpoint-url", app_runtime.endpoint_url, "--payloads", str(mix),
                 "--shuffle", "--seed", "3", "--warmup", "1",
                 "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    document = json.loads(out.read_text())
    assert document["settings"]["invocations"] == 6  # one pass over the mix by default
    order = {arch: [s["request"] for s in document["samples"]
                    if s["architecture"] == arch and s["phase"] == "warm"
                    and s["init_duration_ms"] is None]
             for arch in ("arm64", "x86_64")}
    # Every request measured warm once per function, in the one shuffled order (a request
    # whose invocation was a natural cold start is sent again at once).
    shuffled = [r.index for r in replay_order(load_requests(mix), True, 3)]
    assert order["arm64"] == order["x86_64"] == shuffled != list(range(6))
    for group in document["summary"]:
        assert group["warm_duration"]["n"] == 6
        assert group["rows"] == pytest.approx((1 + 10 + 100 + 1 + 10 + 2) / 6)
        cost = group["cost"]
        assert cost["per_million_predictions"] == pytest.approx(
            cost["per_million_invocations"] / group["rows"])
    consistency = document["consistency"]
    assert consistency["compared"] > 0 and consistency["mismatches"] == 0
    buckets = {(b["function"].split()[0], b["bucket"]): b for b in document["batch_buckets"]}
    assert {bucket for _, bucket in buckets} == {"1 row", "2–10 rows", "11–100 rows"}
    assert buckets[("arm64", "2–10 rows")]["n"] == 3
    for arch in ("arm64", "x86_64"):
        shares = [b["billed_share"] for (a, _), b in buckets.items() if a == arch]
        assert sum(shares) == pytest.approx(1.0)
    assert "Warm durations by batch size" in printed and "11–100 rows" in printed
    assert "cost per 1M requests of this mix" in printed
