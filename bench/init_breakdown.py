"""Where our INIT goes, phase by phase, in fresh interpreters laid out as the local image is.

Each round starts `python -S` with the compiled image's task root and the runtime client on
the path (as the local runtime starts a function), imports `awslambdaric.bootstrap` first (the
floor every Python function pays) and then replays `app.py`'s init one phase at a time:
the standard-library modules our code adds (`python -X importtime -c "import app"` lists
them), our own modules, settings, the model bundle (metadata and checksum), the ctypes
library load, the self-check, the JSON codec's library load, then `import app` itself with
the modules already cached.
Medians and min–max over rounds; a second set of rounds times `import app` whole, to check
the phases add up. Local and client-timed: Lambda's own figures will differ.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence

from bench.spread import spread
from devkit.paths import ROOT
from local_lambda.functions import load_functions
from local_lambda.image import LocalImage, build_image, image_name

PHASES = """
import sys, time
stamps = [("start", time.perf_counter())]
def mark(name): stamps.append((name, time.perf_counter()))
import awslambdaric.bootstrap
mark("import awslambdaric.bootstrap (floor)")
import ctypes
mark("stdlib: ctypes")
import array, base64
mark("stdlib: base64, array")
import inference.requests, inference.responses, inference.logs, inference.features
import inference.predictor, inference.engines.compiled, inference.json_codec
mark("our modules")
from inference.settings import Settings
settings = Settings.from_env()
mark("settings")
from inference.bundle import file_sha256, load_bundle
bundle = load_bundle(settings.model_dir)
mark("bundle: metadata + model checksum")
from inference.engines import load_engine
engine = load_engine(settings, bundle)
mark("engine: ctypes.CDLL + prototypes")
from inference.predictor import Predictor
predictor = Predictor(bundle, engine)
mark("self-check (5 rows)")
from inference.json_codec import load_codec
codec = load_codec(settings.codec_library_path)
mark("JSON codec: ctypes.CDLL + prototypes")
started = time.perf_counter(); file_sha256(bundle.model_path)
checksum = time.perf_counter() - started
sys.stdout = open("/dev/null", "w")
import app
sys.stdout = sys.__stdout__
mark("import app: init again (modules cached) + schema, encoder, log")
phases = {b[0]: (b[1] - a[1]) * 1000 for a, b in zip(stamps, stamps[1:])}
phases["  of the bundle: the checksum alone (warm file)"] = checksum * 1000
print("PHASES " + __import__("json").dumps(phases))
"""

WHOLE = """
import sys, time
import awslambdaric.bootstrap
started = time.perf_counter()
sys.stdout = open("/dev/null", "w")
import app
sys.stdout = sys.__stdout__
whole = (time.perf_counter() - started) * 1000
print("PHASES " + __import__("json").dumps({"import app, whole": whole}))
"""


def compiled_image(log: object = None) -> LocalImage:
    spec = load_functions(ROOT / "bench" / "template.yaml")["CompiledEngineFunction"]
    return build_image(spec.dockerfile, spec.build_args,
                       image_name(spec.build_args, spec.docker_context),
                       context=spec.docker_context,
                       log=lambda text: print(f"[init] {text}", file=sys.stderr))


def run_phases(image: LocalImage, code: str) -> dict[str, float]:
    env = {"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": str(image.task_root),
           "PYTHONPATH": f"{image.task_root}:{image.runtime_dir}", "INFERENCE_ENGINE": "compiled",
           "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([*image.python, "-S", "-c", code], env=env, cwd=image.task_root,
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("PHASES "))
    return json.loads(line[len("PHASES "):])


def breakdown(image: LocalImage, rounds: int) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for code in (PHASES, WHOLE):
            for name, value in run_phases(image, code).items():
                samples.setdefault(name, []).append(value)
    return {name: spread(v) for name, v in samples.items()}


def table(result: dict[str, dict[str, float]]) -> str:
    lines = [f"{'INIT phase (fresh python -S, local, client-timed)':<66}{'median ms':>10}"
             f"{'min–max':>16}"]
    for name, s in result.items():
        lines.append(f"{name:<66}{s['median']:>10.1f}{s['min']:>9.1f}–{s['max']:<6.1f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15,
                        help="fresh processes per phase (default: %(default)s)")
    args = parser.parse_args(argv)
    result = breakdown(compiled_image(), args.rounds)
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
