"""deploy/'s shell scripts: they parse, are strict, and fail clearly when what they need is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.deploy.conftest import DEPLOY, unique

SCRIPTS = ["setup.sh", "build-images.sh", "backup.sh", "restore.sh"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_parse_and_are_strict(name):
    script = DEPLOY / name
    assert os.access(script, os.X_OK)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "set -euo pipefail" in script.read_text()


def test_setup_leaves_no_iri_parser_to_build_at_every_start():
    """setup.sh removes jsonschema's optional IRI checker: nbformat (nbgrader, Jupyter, qa-arena judge on a
    notebook) would build its parser at every process start (bench/bench_startup.py measures the cost)."""
    probe = "import sys, nbformat; print('jsonschema' in sys.modules, 'rfc3987_syntax' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_build_images_needs_the_venv():
    result = subprocess.run(
        ["bash", str(DEPLOY / "build-images.sh")],
        env={**os.environ, "PYTHON": "/nonexistent/python"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "deploy/setup.sh" in result.stderr


@pytest.mark.compose
@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_backup_and_restore_refuse_without_a_running_stack(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"COMPOSE_PROJECT_NAME={unique()}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_ARENA_", "COMPOSE_"))}
    env["QA_ARENA_ENV_FILE"] = str(env_file)
    backup = subprocess.run(["bash", str(DEPLOY / "backup.sh"), str(tmp_path / "b")], env=env, capture_output=True)
    assert backup.returncode != 0 and b"postgres is not running" in backup.stderr
    restore = subprocess.run(["bash", str(DEPLOY / "restore.sh"), str(tmp_path)], env=env, capture_output=True)
    assert restore.returncode != 0 and b"not a backup" in restore.stderr
