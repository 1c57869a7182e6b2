"""Shared fixtures: the problem bank, a tiny fixture problem, judges for each backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_arena.grading.judge import Judge
from qa_arena.grading.problem import load_problem
from tests.support.paths import ADDER


@pytest.fixture(scope="session")
def judge_image():
    """The judge image, built (offline if need be) once per session when out of date."""
    import docker

    from qa_arena.environment import cache_dir
    from qa_arena.grading.judge_image import build_judge_image, image_is_current

    client = docker.from_env()
    if not image_is_current(client):
        build_judge_image(say=lambda _msg: None, cache=cache_dir())
    return "qa-arena/judge:latest"


@pytest.fixture
def docker_judge(judge_image) -> Judge:
    return Judge(sandbox_class="docker")


@pytest.fixture
def local_judge() -> Judge:
    return Judge(sandbox_class="local")


@pytest.fixture
def store(tmp_path):
    """A grading-service store on a SQLite file of this test's own (modules may define their own `store`)."""
    from qa_arena.service.store import SubmissionStore

    store = SubmissionStore(db_url=f"sqlite:///{tmp_path / 'submissions.sqlite3'}")
    yield store
    store.dispose()


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def any_judge(request) -> Judge:
    if request.param == "docker":
        request.getfixturevalue("judge_image")
    return Judge(sandbox_class=request.param)


@pytest.fixture
def adder():
    return load_problem(ADDER)


@pytest.fixture
def problem_copy(tmp_path):
    """A writable copy of the adder problem, to break in tests."""
    target = tmp_path / "adder"
    shutil.copytree(ADDER, target)
    return target


@pytest.fixture(scope="session")
def installed_wheel():
    """QA Arena's wheel, built from this checkout and installed with its dependencies in a fresh venv under
    /tmp (a minute, once per session); removed afterwards."""
    from tests.install import build_and_install

    install = build_and_install()
    yield install
    shutil.rmtree(install.venv.parent, ignore_errors=True)


@pytest.fixture
def nobody_home(tmp_path_factory):
    """A home directory for `nobody` (whose passwd home does not exist)."""
    import os
    import tempfile

    if os.geteuid() != 0:
        pytest.skip("running as another user needs root: run these tests as root (CI does)")
    home = Path(tempfile.mkdtemp(prefix="qa-arena-nobody-", dir="/tmp"))
    shutil.chown(home, "nobody", "nogroup")
    yield home
    shutil.rmtree(home, ignore_errors=True)
