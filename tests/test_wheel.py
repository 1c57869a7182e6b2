"""The installed wheel is the whole product: what its commands need ships inside it (tests/install.py)."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path

import pytest

from qa_arena.grading.judge_image import RUNNER_LABEL, runner_digest
from tests.support.paths import PROBLEMS

pytestmark = pytest.mark.install

CHECKOUT = Path(__file__).resolve().parents[1]
WHERE = (
    "import json, qa_arena.grading.paths as p, qa_arena.hub as h; print(json.dumps({'judge': str(p.judge_dir()), "
    "'problems': str(p.bundled_problems_dir()), 'hub': str(h.CONFIG_FILE)}))"
)


def run(installed, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([installed.qa_arena, *args], capture_output=True, text=True, cwd=cwd,
                            env=installed.env(home=cwd), timeout=timeout)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def shipped(installed, cwd: Path) -> dict[str, Path]:
    out = subprocess.run([installed.python, "-c", WHERE], capture_output=True, text=True, cwd=cwd, check=True)
    return {name: Path(path) for name, path in json.loads(out.stdout).items()}


def test_the_wheel_carries_the_runner_the_problems_and_the_hub_configuration(installed_wheel, tmp_path):
    paths = shipped(installed_wheel, tmp_path)
    assert all(path.is_relative_to(installed_wheel.venv) for path in paths.values()), paths
    assert (paths["judge"] / "runner.py").is_file() and (paths["judge"] / "Dockerfile").is_file()
    assert paths["hub"].is_file()
    names = sorted(p.name for p in paths["problems"].iterdir())
    assert names == sorted(p.name for p in PROBLEMS.iterdir() if (p / "problem.toml").is_file())
    assert not list(paths["problems"].rglob("candidates"))  # generated candidates are not part of a problem


def test_course_init_and_build_from_the_wheel_name_no_checkout(installed_wheel, tmp_path):
    course = tmp_path / "course"
    run(installed_wheel, "course", "init", str(course), cwd=tmp_path)
    problem = shipped(installed_wheel, tmp_path)["problems"] / "leap_year"
    build = run(installed_wheel, "course", "build", "--course-dir", str(course), "--assignment", "hw", str(problem),
                cwd=tmp_path)  # fmt: skip
    assert "copied leap_year" in build.stdout
    config = (course / "nbgrader_config.py").read_text()
    assert str(CHECKOUT) not in config and str(installed_wheel.venv) not in config


@pytest.mark.docker
@pytest.mark.slow
def test_image_build_from_the_wheel(installed_wheel, tmp_path):
    import docker

    tag = "qa-arena/judge-from-wheel:test"
    client = docker.from_env()
    try:
        run(installed_wheel, "image", "build", "--tag", tag, cwd=tmp_path, timeout=900)
        assert client.images.get(tag).labels[RUNNER_LABEL] == runner_digest()  # the runner the checkout has
    finally:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag, force=True)


def test_an_installed_qa_arena_says_where_the_deployments_images_are_built(installed_wheel, tmp_path):
    """The wheel builds the judge image only; the deployment's images need a checkout (deploy/)."""
    result = subprocess.run([installed_wheel.qa_arena, "image", "build", "--all"], capture_output=True, text=True,
                            cwd=tmp_path, env=installed_wheel.env(home=tmp_path), timeout=120)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "built from a checkout of QA Arena (deploy/build-images.sh)" in result.stderr
    assert "qa-arena image build" in result.stderr and "Traceback" not in result.stderr


# What a parser or `--help` may not import: each costs from 0.1 s (pandas, SQLAlchemy) to over 1 s (nbformat, whose
# jsonschema builds rfc3987-syntax's grammar on import, present in a plain pip install). Commands import them
# when they run.
HEAVY = ("nbformat", "jsonschema", "nbgrader", "pandas", "sqlalchemy", "docker", "openai", "jupyterhub", "numpy")
IMPORTED = "import runpy, sys\ntry:\n    runpy.run_module('qa_arena', run_name='__main__')\nexcept SystemExit:\n" \
           "    pass\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)"  # fmt: skip


@pytest.mark.parametrize("args", [["--help"], ["judge", "--help"], ["lms", "--help"], ["hub", "courses", "--help"]])
def test_the_command_starts_without_importing_what_it_does_not_run(installed_wheel, tmp_path, args):
    """`qa-arena --help` and every parser in a plain pip install (the wheel's venv, rfc3987-syntax included)."""
    done = subprocess.run([installed_wheel.python, "-c", IMPORTED, *args], capture_output=True, text=True,
                          cwd=tmp_path, env=installed_wheel.env(home=tmp_path), timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage: " in done.stdout
    modules = {name.split(".")[0] for name in done.stderr.split()}
    assert "argparse" in modules and "qa_arena" in modules  # the list is the run's
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
