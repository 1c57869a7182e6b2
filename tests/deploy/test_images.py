"""The deployment's images: what deploy/build_images.py builds them from, and what is in them.

The first tests need no engine (how images are described, when they are out of date); the `docker` ones
look inside the images the session built offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from qa_arena.grading import judge_image
from qa_arena.image_cli import deployment_builder
from tests.deploy.conftest import DEPLOY

images = deployment_builder()  # deploy/build_images.py, loaded as `qa-arena image build --all` loads it


def dockerfile(name: str) -> str:
    return (DEPLOY / "images" / name / "Dockerfile").read_text()


@pytest.mark.parametrize("spec", images.DEPLOY_IMAGES, ids=lambda s: s.name)
def test_every_image_has_a_context_and_says_how_it_is_built(spec):
    directory = DEPLOY / "images" / spec.name
    assert (directory / "Dockerfile").is_file() and (directory / ".dockerignore").is_file()
    text = dockerfile(spec.name)
    if spec.parent:
        assert f"ARG RUNTIME_IMAGE={images.SPECS[spec.parent].tag}" in text
        assert "apt-get" not in text  # children never need the network
    else:
        # Online, the Dockerfile's default base; offline, one made with the Debian packages it asks apt for.
        assert f"ARG BASE_IMAGE={spec.public_base}" in text
        wanted = re.search(r'ARG APT_PACKAGES="([^"]*)"', text)
        assert set(wanted.group(1).split() if wanted else ()) <= set(spec.packages)
    assert f'org.qa-arena.role="{spec.name}"' in text


def test_parents_come_first():
    assert [s.name for s in images._with_parents(["hub"])] == ["runtime", "hub"]
    assert [s.name for s in images._with_parents(["worker", "runtime", "nginx"])] == ["runtime", "worker", "nginx"]
    with pytest.raises(images.ImageBuildError, match="no image"):
        images._with_parents(["nope"])


def test_an_image_is_out_of_date_when_its_directory_changes(tmp_path, monkeypatch):
    copy = tmp_path / "images"
    shutil.copytree(DEPLOY / "images", copy)
    monkeypatch.setattr(images, "images_dir", lambda: copy)
    spec = images.SPECS["nginx"]
    before = images.inputs_digest(spec, "sha256:base", {})
    assert images.inputs_digest(spec, "sha256:base", {}) == before
    assert images.inputs_digest(spec, "sha256:other", {}) != before  # a new base
    (copy / "nginx" / "__pycache__").mkdir()
    (copy / "nginx" / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    assert images.inputs_digest(spec, "sha256:base", {}) == before
    (copy / "nginx" / "nginx.conf.template").write_text("changed")
    assert images.inputs_digest(spec, "sha256:base", {}) != before
    hub = images.SPECS["hub"]  # files of the checkout count too
    assert images.inputs_digest(hub, "x", {}) != images.inputs_digest(hub, "x", {"chp": "0"})


def test_runtime_requirements_and_pins():
    requirements = images.runtime_requirements()
    assert "nbgrader>=0.9.6" in requirements and "oauthenticator>=16" in requirements
    from importlib.metadata import version

    assert f"jupyterhub=={version('jupyterhub')}" in images.host_pins()


def test_a_package_without_wheels_is_recognised():
    conflict = (
        "The conflict is caused by:\n    cosmic-ray 8.7.0 depends on yattag\n"
        "    The user requested (constraint) yattag==1.16.1\n"
    )
    missing = "ERROR: No matching distribution found for yattag\n"
    assert next(p.search(conflict) for p in judge_image._SDIST_ONLY if p.search(conflict)).group(1) == "yattag==1.16.1"
    assert next(p.search(missing) for p in judge_image._SDIST_ONLY if p.search(missing)).group(1) == "yattag"


# -- the built images --------------------------------------------------------------------------------
def run(image: str, script: str, user: str | None = None) -> str:
    command = ["docker", "run", "--rm", "--network", "none", "--entrypoint", "sh"]
    command += ["--user", user] if user else []
    result = subprocess.run([*command, image, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.docker
@pytest.mark.slow  # the session's image builds take minutes on a fresh machine
def test_images_are_current_and_a_second_build_is_free(deploy_images, docker_client):
    assert set(deploy_images) == set(images.ALL_IMAGES)
    for spec in images.DEPLOY_IMAGES:
        labels = docker_client.images.get(spec.tag).labels
        assert labels["org.qa-arena.role"] == spec.name and labels[images.MANAGED_LABEL] == "true"
        assert len(labels[images.INPUTS_LABEL]) == 64
    images.build_all_images(say=lambda _message: None)  # catches up if the checkout changed meanwhile
    started = time.monotonic()
    again = images.build_all_images(say=lambda _message: None)
    assert not [r.name for r in again if r.built]
    assert time.monotonic() - started < 15


@pytest.mark.docker
@pytest.mark.slow
def test_singleuser_image(deploy_images):
    from importlib.metadata import version

    out = run(
        "qa-arena/singleuser:latest",
        "id -u; id -g; echo $HOME; "
        "python -c 'import jupyterhub, nbgrader, qa_arena.client; print(jupyterhub.__version__)'; "
        "jupyter server extension list 2>&1 | grep formgrader; "
        "cat /opt/venv/etc/jupyter/labconfig/page_config.json; "
        "python -c 'from nbgrader.apps.baseapp import NbGrader; a = NbGrader(); a.initialize([]);"
        ' print("exchange", a.config.Exchange.root)\'; '
        "python -c 'import sys, nbformat; print(\"rfc3987_syntax\" in sys.modules)'; "
        "stat -c %a /srv/nbgrader/exchange; command -v jupyterhub-singleuser; "
        "python -c 'import qa_arena.grading.paths as p; p.bundled_problems_dir()' 2>&1 | tail -n 1",
    )
    lines = out.splitlines()
    assert lines[:3] == ["1000", "1000", "/home/jovyan"]
    assert lines[3] == version("jupyterhub")  # the hub's and the servers' JupyterHub agree
    assert "formgrader" in out and "disabled" in out
    page = out[out.index("{") : out.rindex("}") + 1]
    for extension in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
        assert f'"{extension}": true' in page
    assert page.count("@jupyter/nbgrader:formgrader") == 2  # disabled and locked
    assert "exchange /srv/nbgrader/exchange" in out
    assert lines[-4] == "False"  # no IRI parser built at every nbgrader and Jupyter start (bench/bench_startup.py)
    assert lines[-3] == "1777" and lines[-2] == "/opt/venv/bin/jupyterhub-singleuser"
    # the wheel's bundled problems (goldens, mutants) are removed from students' containers
    assert lines[-1].startswith("FileNotFoundError: problems/durations/problem.toml not found"), lines[-1]


@pytest.mark.docker
@pytest.mark.slow
def test_hub_and_worker_images(deploy_images):
    from qa_arena.grading.judge_image import runner_digest
    from tests.deploy.conftest import ROOT

    hub = run(
        "qa-arena/hub:latest",
        "configurable-http-proxy --version; python -c 'import oauthenticator, dockerspawner, psycopg';"
        " cat /etc/jupyterhub/jupyterhub_config.py | sha256sum; ls /opt/qa-arena/problems | wc -l",
    )
    import hashlib

    chp, digest, problems = hub.split()[0], hub.split()[1], hub.split()[-1]
    assert re.fullmatch(r"\d+\.\d+\.\d+", chp)
    assert digest == hashlib.sha256((ROOT / "jupyterhub_config.py").read_bytes()).hexdigest()
    assert int(problems) == len([p for p in (ROOT / "problems").iterdir() if (p / "problem.toml").is_file()])

    worker = run(
        "qa-arena/worker:latest",
        "id -u; python -c 'from qa_arena.grading.judge_image import runner_digest; print(runner_digest())';"
        " qa-arena --help >/dev/null",
    )
    uid, digest = worker.split()[:2]
    assert uid == "10002"
    assert digest == runner_digest()  # the worker accepts the judge image built from this checkout
