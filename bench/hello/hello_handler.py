"""The cold-start floor: a handler that imports nothing and answers a constant.

Its INIT on the local runtime is what every Python function pays (interpreter start and the
runtime interface client); the benchmark reports ours as this floor plus our overhead.
"""


def lambda_handler(event: object, context: object) -> dict[str, str]:
    return {"hello": "world"}
