"""Build the judge image, online or offline.

Online, the Dockerfile's default base (python:3.11-slim) is pulled. Offline, a Debian
base is made with mmdebstrap from this machine's apt sources and imported into
Docker. Python packages always come as wheels downloaded on the host, so the
build itself needs no network.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import paths

JUDGE_IMAGE = "qa-arena/judge:latest"
PUBLIC_BASE = "python:3.11-slim"
OFFLINE_BASE = "qa-arena/base:bookworm"
RUNNER_LABEL = "org.qa-arena.runner-sha256"
JUDGE_REQUIREMENTS = ["pytest>=8,<10"]
WHEEL_PLATFORM_ARGS = [
    "--only-binary=:all:",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_17_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--platform",
    "any",
]


class ImageBuildError(RuntimeError):
    pass


def runner_digest() -> str:
    """Identifies the runner and Dockerfile an image was built from; a mismatch means rebuild."""
    judge = paths.judge_dir()
    digest = hashlib.sha256()
    for name in ("runner.py", "Dockerfile"):
        digest.update((judge / name).read_bytes())
    return digest.hexdigest()


def _client():
    import docker

    return docker.from_env(timeout=600)


def _have_image(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_base(client, say=print) -> str:
    """The base image to build on: the public one if it is here or can be pulled, else an offline one."""
    import docker

    if _have_image(client, PUBLIC_BASE):
        return PUBLIC_BASE
    try:
        say(f"pulling {PUBLIC_BASE} ...")
        client.images.pull(PUBLIC_BASE)
        return PUBLIC_BASE
    except docker.errors.APIError as exc:
        say(f"cannot pull {PUBLIC_BASE} ({str(exc).splitlines()[0][:100]}); using an offline base")
    if _have_image(client, OFFLINE_BASE):
        return OFFLINE_BASE
    if not shutil.which("mmdebstrap"):
        raise ImageBuildError("no base image, and mmdebstrap is not installed (apt-get install mmdebstrap)")
    with tempfile.TemporaryDirectory(prefix="qa-arena-base-") as tmp:
        tarball = Path(tmp) / "base.tar"
        say("building a Debian bookworm base with mmdebstrap (about a minute) ...")
        result = subprocess.run(
            ["mmdebstrap", "--variant=apt", "--include=python3,python3-venv,ca-certificates", "bookworm", str(tarball)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ImageBuildError(f"mmdebstrap failed: {result.stderr.strip()[-500:]}")
        repository, tag = OFFLINE_BASE.split(":")
        client.api.import_image_from_file(str(tarball), repository=repository, tag=tag)
    return OFFLINE_BASE


def download_wheels(target: Path, requirements: list[str]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "requirements.txt").write_text("\n".join(requirements) + "\n")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        *WHEEL_PLATFORM_ARGS,
        "-d",
        str(target),
        "pip",
        *requirements,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ImageBuildError(f"pip download failed: {result.stderr.strip()[-800:]}")


def image_is_current(client, tag: str = JUDGE_IMAGE) -> bool:
    import docker

    try:
        labels = client.images.get(tag).labels or {}
    except docker.errors.ImageNotFound:
        return False
    return labels.get(RUNNER_LABEL) == runner_digest()


def build_judge_image(tag: str = JUDGE_IMAGE, base_image: str | None = None, say=print) -> str:
    """Build the judge image; return its tag."""
    import docker

    client = _client()
    base = base_image or ensure_base(client, say)
    with tempfile.TemporaryDirectory(prefix="qa-arena-judge-") as tmp:
        context = Path(tmp)
        judge = paths.judge_dir()
        for name in ("Dockerfile", "runner.py"):
            shutil.copyfile(judge / name, context / name)
        say("downloading wheels on the host ...")
        download_wheels(context / "wheels", JUDGE_REQUIREMENTS)
        say(f"building {tag} on {base} ...")
        try:
            client.images.build(
                path=str(context),
                tag=tag,
                rm=True,
                forcerm=True,
                network_mode="none",
                buildargs={"BASE_IMAGE": base, "RUNNER_SHA": runner_digest()},
                labels={"org.qa-arena.managed": "true"},
            )
        except docker.errors.BuildError as exc:
            log = "".join(chunk.get("stream", "") for chunk in exc.build_log if isinstance(chunk, dict))
            raise ImageBuildError(f"docker build failed: {exc}\n{log[-1500:]}") from exc
    return tag
