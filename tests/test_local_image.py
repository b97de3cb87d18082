"""The local image is what app/Dockerfile builds: same files, same engine, same gate."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import APP_DIR, ARM_FUNCTION, ROOT, X86_FUNCTION
from local_lambda.dockerfile import Run, in_task_root, read_dockerfile, read_run
from local_lambda.functions import load_functions
from local_lambda.image import build_image, build_model_library, image_name


def test_compiled_image_holds_the_handler_package_model_and_library_only(tmp_path: Path) -> None:
    image = build_image(APP_DIR / "Dockerfile", {"ENGINE": "compiled"}, "compiled-test",
                        state_dir=tmp_path, log=lambda _: None)
    files = sorted(str(p.relative_to(image.task_root)) for p in image.task_root.rglob("*")
                   if p.is_file() and p.suffix != ".pyc")
    assert files[0] == "app.py"
    assert {"lib/libmodel.so", "lib/libcodec.so", "model/metadata.json",
            "model/model.ubj"} <= set(files)
    assert all(f.startswith(("app.py", "envelopes.py", "artifact_contract.py", "lib/", "model/",
                             "inference/"))
               for f in files)
    assert not any("xgboost" in f and "engine" not in f for f in files)


def test_engine_argument_decides_which_stage_runs_pip_and_which_the_compiler() -> None:
    dockerfile = read_dockerfile(APP_DIR / "Dockerfile")
    library = dockerfile.stages["model-library"]
    final = dockerfile.chain({})[-1]
    for engine in ("compiled", "xgboost"):
        args = dockerfile.args({"ENGINE": engine})
        commands = library.runs_for(args) + final.runs_for(args)
        assert any("make -C native check" in c for c in commands) == (engine == "compiled")
        assert any("pip install" in c for c in commands) == (engine == "xgboost")
    pip = next(c for c in final.runs_for({"ENGINE": "xgboost"}) if "pip install" in c)
    assert "--require-hashes" in pip and "requirements-xgboost.txt" in pip
    assert dockerfile.image_env({"ENGINE": "xgboost"})["INFERENCE_ENGINE"] == "xgboost"
    assert dockerfile.image_env({})["INFERENCE_ENGINE"] == "compiled"
    assert dockerfile.cmd == ("app.lambda_handler",)


def test_every_stage_starts_from_the_base_image_so_classic_cross_builds_work() -> None:
    dockerfile = read_dockerfile(APP_DIR / "Dockerfile")
    assert {stage.base for stage in dockerfile.stages.values()} == {"${PYTHON_IMAGE}"}


def test_conditional_run_is_read_as_its_body_for_one_value_then_the_rest() -> None:
    runs = read_run('if [ "$ENGINE" = xgboost ]; then pip install -r r.txt; fi && rm r.txt')
    assert runs == [Run("pip install -r r.txt", ("ENGINE", "xgboost")), Run("rm r.txt")]
    assert read_run("python -m compileall -q /x") == [Run("python -m compileall -q /x")]


def test_task_root_destinations_are_recognised() -> None:
    assert in_task_root("${LAMBDA_TASK_ROOT}/lib/libmodel.so") == "lib/libmodel.so"
    assert in_task_root("${LAMBDA_TASK_ROOT}/") == ""
    assert in_task_root("/tmp/requirements.txt") is None


def test_template_functions_resolve_with_globals_and_share_one_image() -> None:
    specs = load_functions(ROOT / "template.yaml")
    arm, x86 = specs[ARM_FUNCTION], specs[X86_FUNCTION]
    assert (arm.architecture, x86.architecture) == ("arm64", "x86_64")
    assert arm.memory_mb == x86.memory_mb == 512 and arm.timeout_s == 10
    assert arm.environment == {"MAX_BATCH_ROWS": "10000"}
    assert arm.image_env == {"INFERENCE_ENGINE": "compiled"}
    assert arm.log_format == "JSON"
    assert image_name(arm.build_args, arm.docker_context) == image_name(x86.build_args,
                                                                        x86.docker_context)


def test_another_model_is_built_anew_even_when_its_files_are_older(tmp_path: Path) -> None:
    # make goes by file times: an imported model's C source written before the last build
    # of another model would otherwise find that model's library up to date.
    context = tmp_path / "app"
    shutil.copytree(APP_DIR / "native", context / "native",
                    ignore=shutil.ignore_patterns("build"))
    shutil.copytree(APP_DIR / "model", context / "model")
    first = build_model_library(context, tmp_path / "out", log=lambda _: None)
    main_c = context / "model" / "c" / "main.c"
    main_c.write_text(main_c.read_text() + "\n/* another model */\n")
    os.utime(main_c, (0, 0))
    second = build_model_library(context, tmp_path / "out", log=lambda _: None)
    assert second != first and second.is_file()
