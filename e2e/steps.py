"""The steps of `make sam-e2e`: each prints what it ran and what came back, and is checked.

Plain `sam build` (Docker's classic builder) of both functions; a BuildKit build; every event
through each built image against the local runtime's answer; `sam local invoke`; and
`sam local start-lambda` with the AWS CLI and with the compare tool.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import docker

from devkit.functions import ARM64_FUNCTION, X86_64_FUNCTION
from devkit.paths import EVENTS_DIR, ROOT, TEMPLATE
from devkit.ports import free_port, wait_for_port
from devkit.processes import stop
from local_lambda.functions import load_functions
from local_lambda.launcher import local_runtime

from .answers import Verdict, compare, table
from .base_image import ARCHES, BaseImages
from .docker_engine import engine_cli
from .running_image import invoke_url, running_image

FUNCTIONS = {ARM64_FUNCTION: ARCHES[0], X86_64_FUNCTION: ARCHES[1]}
SHIPPED_EVENTS = sorted(EVENTS_DIR.glob("*.json")) + sorted(EVENTS_DIR.glob("bad/*.json"))
# What app/native/parity_check prints when every row passes (the image build's parity gate).
PARITY_LINE = re.compile(r"parity arch=(\S+) rows=\d+ .*max_(?:abs|rel)_diff=\S+ .* OK$")


class StepFailed(Exception):
    pass


@dataclass
class Run:
    """What every step needs: the engine, the SAM CLI's environment, answers to compare with."""
    client: docker.DockerClient
    env: dict[str, str]
    build_dir: Path
    state: Path
    bases: BaseImages
    # What `make demo` sends first: events/event.json for the demo model, else two of the
    # served model's own parity rows (the shipped events are the demo model's).
    smoke_event: Path
    events: list[Path]
    local_answers: dict[tuple[str, str], bytes]


def say(text: str = "") -> None:
    print(text, flush=True)


def shell(command: Sequence[str | Path], env: dict[str, str], timeout: float = 900,
          show: bool = True, answer_on_stdout: bool = False) -> subprocess.CompletedProcess[str]:
    """Runs a command as the user would and shows its output; with `answer_on_stdout`, its
    log (stderr) comes first and the answer (stdout) apart, else both interleaved."""
    words = [str(word) for word in command]
    say("$ " + " ".join(words).replace(str(ROOT) + "/", ""))
    result = subprocess.run(words, cwd=ROOT, env=env, text=True, timeout=timeout,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE if answer_on_stdout else subprocess.STDOUT)
    if show and answer_on_stdout:
        say(result.stderr.rstrip())
        say(f"[stdout] {result.stdout.strip()}")
    elif show:
        say(result.stdout.rstrip())
    if show:
        say(f"[exit status {result.returncode}]")
    return result


def check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def image_uris(build_dir: Path) -> dict[str, str]:
    from samcli.yamlhelper import yaml_parse
    resources = yaml_parse((build_dir / "template.yaml").read_text())["Resources"]
    return {name: resources[name]["Properties"]["ImageUri"] for name in FUNCTIONS}


def check_platforms(client: docker.DockerClient, images: dict[str, str]) -> None:
    for function, image in images.items():
        attrs = client.images.get(image).attrs
        platform = f"{attrs['Os']}/{attrs['Architecture']}"
        say(f"  {function}: {image} is {platform}")
        check(platform == FUNCTIONS[function].platform,
              f"{image} is {platform}, not {FUNCTIONS[function].platform}")


def parity_gate_machines(output: str) -> dict[str, str]:
    """The machines the parity gate passed on, each with its line, from a build's output."""
    found = {}
    for line in output.splitlines():
        match = PARITY_LINE.search(line.strip())
        if match:
            found[match.group(1)] = line.strip()
    return found


def check_parity_lines(output: str) -> None:
    passed = parity_gate_machines(output)
    say("parity gate lines:\n  " + "\n  ".join(passed.values()))
    machines = set(passed)
    check(machines == {"aarch64", "x86_64"}, f"parity gate ran on {machines or 'nothing'}")


def step_sam_build(run: Run) -> None:
    result = shell([sam(), "build", "--template", TEMPLATE, "--build-dir", run.build_dir],
                   run.env)
    check(result.returncode == 0, "plain sam build failed")
    check_parity_lines(result.stdout)
    check_platforms(run.client, image_uris(run.build_dir))


def step_buildkit(run: Run) -> None:
    buildx = subprocess.run(["docker", "buildx", "version"], capture_output=True, env=run.env)
    if buildx.returncode == 0:
        result = shell([sam(), "build", "--use-buildkit", "--template", TEMPLATE,
                        "--build-dir", run.state / "buildkit-build"], run.env)
        check(result.returncode == 0, "sam build --use-buildkit failed")
        check_parity_lines(result.stdout)
        check_platforms(run.client, image_uris(run.state / "buildkit-build"))
        return
    say("sam build --use-buildkit is NOT AVAILABLE here: it runs `docker buildx`, and Debian "
        "bookworm's docker.io 20.10 has no buildx plugin. The same Dockerfile is built with "
        "the engine's own BuildKit client instead (DOCKER_BUILDKIT=1; --network none, as RUN "
        "steps get no bridge here):")
    output, images = "", {}
    for function, arch in FUNCTIONS.items():
        tag = f"sam-e2e/buildkit:{arch.debian}"
        result = shell([engine_cli(), "build", "--progress", "plain", "--network", "none",
                        "--platform", arch.platform, "--build-arg", "ENGINE=compiled",
                        "--tag", tag, ROOT / "app"],
                       {**run.env, "DOCKER_BUILDKIT": "1"}, show=False)
        say("\n".join(line for line in result.stdout.splitlines()
                      if "parity" in line or "ERROR" in line or "naming to" in line))
        check(result.returncode == 0, f"BuildKit build for {arch.platform} failed:\n"
              + result.stdout[-2000:])
        output += result.stdout
        images[function] = tag
    check_parity_lines(output)
    check_platforms(run.client, images)


def step_events_through_images(run: Run) -> None:
    environment = {name: spec.environment for name, spec in load_functions(TEMPLATE).items()}
    images = image_uris(run.build_dir)
    cells: dict[tuple[str, str], Verdict] = {}
    columns = []
    for function, arch in FUNCTIONS.items():
        column = f"{arch.machine} image"
        columns.append(column)
        started = time.monotonic()
        with running_image(run.client, images[function], environment[function]) as url:
            for event in run.events:
                answer = invoke_url(url, event.read_bytes())
                cells[relative(event), column] = compare(
                    answer, run.local_answers[function, relative(event)], arch.machine)
        say(f"  {function}: {len(run.events)} events through {images[function]} "
            f"({arch.platform}{', under qemu' if arch.machine == 'aarch64' else ''}) in "
            f"{time.monotonic() - started:.1f} s")
    say("answers of each built image vs the local runtime's answers to the same event:")
    say(table([relative(e) for e in run.events], columns, cells))
    check(all(v.equal for v in cells.values()), "an image answered differently")


def step_sam_local_invoke(run: Run) -> None:
    for function in FUNCTIONS:
        started = time.monotonic()
        result = shell([sam(), "local", "invoke", function, "--event", relative(run.smoke_event),
                        "--template", run.build_dir / "template.yaml", "--skip-pull-image"],
                       run.env, timeout=300, answer_on_stdout=True)
        say(f"  ({time.monotonic() - started:.1f} s)")
        check(result.returncode == 0, f"sam local invoke {function} exited "
              f"{result.returncode}")
        verdict = compare(result.stdout.strip().encode(),
                          run.local_answers[function, relative(run.smoke_event)], "")
        check(verdict.equal, f"sam local invoke {function} answered differently from the "
              f"local runtime: {verdict.note}")
        say(f"  {function}: answer equals the local runtime's")


def step_start_lambda(run: Run) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    command = [sam(), "local", "start-lambda", "--host", "127.0.0.1", "--port", str(port),
               "--template", str(run.build_dir / "template.yaml"), "--skip-pull-image",
               "--warm-containers", "LAZY"]
    say("$ " + " ".join(command).replace(str(ROOT) + "/", ""))
    log_path = run.state / "start-lambda.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=run.env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, 120, alive=lambda: server.poll() is None)
        say(f"  sam local start-lambda listening on {endpoint}")
        aws = awscli()
        for function in FUNCTIONS:
            out = run.state / f"{function}.json"
            result = shell([aws, "lambda", "invoke", "--endpoint-url", endpoint,
                            "--function-name", function, "--payload",
                            f"fileb://{relative(run.smoke_event)}", out], run.env, timeout=300)
            check(result.returncode == 0, f"aws lambda invoke {function} failed")
            say(out.read_text())
            verdict = compare(out.read_bytes(),
                              run.local_answers[function, relative(run.smoke_event)], "")
            check(verdict.equal, f"{function} via start-lambda: {verdict.note}")
            say(f"  {function}: answer equals the local runtime's")
        result = shell([sys.executable, "invoke_x86_64_arm64_lambdas.py", "--endpoint-url",
                        endpoint, "-n", "20", "--warmup", "2"], run.env, timeout=600)
        check(result.returncode == 0 and "Traceback" not in result.stdout,
              f"the compare tool failed against sam local start-lambda (exit "
              f"{result.returncode})")
    finally:
        stop(server, grace=60)
        for container in run.client.containers.list(all=True):
            container.remove(force=True)


def events_to_compare(smoke_event: Path) -> list[Path]:
    """The shipped events, and the smoke event when the served model is not the demo."""
    return SHIPPED_EVENTS + ([] if smoke_event in SHIPPED_EVENTS else [smoke_event])


def gather_local_answers(events: list[Path]) -> dict[tuple[str, str], bytes]:
    """Every event's answer from the project's local runtime, per function."""
    answers = {}
    with local_runtime(TEMPLATE) as runtime:
        say(f"local runtime (python -m local_lambda start-lambda) on 127.0.0.1:{runtime.port}")
        client = runtime.client(read_timeout=180)
        for function in FUNCTIONS:
            for event in events:
                response = client.invoke(FunctionName=function, Payload=event.read_bytes())
                answers[function, relative(event)] = bytes(response["Payload"].read())
    return answers


def sam() -> str:
    return str(Path(sys.executable).parent / "sam")


def awscli() -> Path:
    """The project environment's AWS CLI (requirements/local-runtime.txt pins it)."""
    return Path(sys.executable).parent / "aws"


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


STEPS: tuple[tuple[str, Callable[[Run], None]], ...] = (
    ("plain sam build (classic builder), both architectures", step_sam_build),
    ("BuildKit build, both architectures", step_buildkit),
    ("every event through each built image", step_events_through_images),
    ("sam local invoke, both functions", step_sam_local_invoke),
    ("sam local start-lambda: AWS CLI and compare tool", step_start_lambda),
)
