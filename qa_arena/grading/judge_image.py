"""The judge image (qa-arena/judge): built online or offline, and what tells whether it is current.

Online the Dockerfile's default base (python:3.11-slim) is pulled. Offline a Debian base is made with
mmdebstrap from this machine's apt sources and imported into Docker. pytest comes as wheels downloaded on
the host, so an offline build needs no network (it runs with `--network none`). An image is current when
its label `org.qa-arena.runner-sha256` is the digest of the runner and Dockerfile it was built from.
The deployment's images (deploy/build_images.py) build on the same bases and wheels.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa_arena.grading import paths

JUDGE_IMAGE = "qa-arena/judge:latest"
PUBLIC_BASE = "python:3.11-slim"
OFFLINE_BASE = "qa-arena/base:bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
RUNNER_LABEL = "org.qa-arena.runner-sha256"
INPUTS_LABEL = "org.qa-arena.inputs-sha256"
MANAGED_LABEL = "org.qa-arena.managed"
JUDGE_REQUIREMENTS = ["pytest>=8,<10"]  # as pyproject.toml bounds it: the runner uses pytest's private API
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


@dataclass(frozen=True)
class BuiltImage:
    name: str
    tag: str
    built: bool  # False: it was up to date
    seconds: float


def runner_digest() -> str:
    """Identifies the runner and Dockerfile an image was built from; a mismatch means rebuild."""
    digest = hashlib.sha256()
    for path in [*paths.runner_files(), paths.judge_dir() / "Dockerfile"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def docker_client():
    import docker

    return docker.from_env(timeout=600)


def _have_image(client, name: str) -> bool:
    import docker

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_base(
    client,
    say=print,
    public: str | None = PUBLIC_BASE,
    offline: str = OFFLINE_BASE,
    packages: Iterable[str] = BASE_PACKAGES,
) -> str:
    """The base image to build on: the public one if it is here or can be pulled, else an offline one
    (made with mmdebstrap, holding `packages`, when it is not here yet)."""
    import docker

    if public:
        if _have_image(client, public):
            return public
        try:
            say(f"pulling {public} ...")
            client.images.pull(public)
            return public
        except docker.errors.APIError as exc:
            say(f"cannot pull {public} ({str(exc).splitlines()[0][:100]}); using an offline base")
    if _have_image(client, offline):
        return offline
    make_offline_base(client, offline, packages, say)
    return offline


def make_offline_base(client, tag: str, packages: Iterable[str], say=print) -> str:
    """A Debian bookworm image made with mmdebstrap from this machine's apt sources (about a minute)."""
    if not shutil.which("mmdebstrap"):
        raise ImageBuildError("no base image, and mmdebstrap is not installed (apt-get install mmdebstrap)")
    with tempfile.TemporaryDirectory(prefix="qa-arena-base-") as tmp:
        tarball = Path(tmp) / "base.tar"
        say(f"building {tag} with mmdebstrap (about a minute) ...")
        result = subprocess.run(
            ["mmdebstrap", "--variant=apt", f"--include={','.join(packages)}", "bookworm", str(tarball)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ImageBuildError(f"mmdebstrap failed: {result.stderr.strip()[-500:]}")
        repository, version = tag.split(":")
        client.api.import_image_from_file(str(tarball), repository=repository, tag=version)
    return tag


# -- wheels -----------------------------------------------------------------------------------------
_SDIST_ONLY = (
    re.compile(r"The user requested \(constraint\) ([A-Za-z0-9._-]+==[^\s,;]+)"),
    re.compile(r"No matching distribution found for ([A-Za-z0-9._-]+(?:[<>=!~]=?[^\s;]+)?)"),
)


def _built_wheels(cache: Path | None) -> Path:
    """Wheels built on the host for packages PyPI has only as source (pure Python only)."""
    path = (cache or paths.user_cache_dir()) / "wheels" / "built"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _build_sdist_wheel(spec: str, say, cache: Path | None) -> None:
    say(f"{spec} has no wheel on the index: building one on the host ...")
    built = _built_wheels(cache)
    before = set(built.iterdir())
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps"]
    result = subprocess.run(
        [*pip, "-w", str(built), spec],
        capture_output=True,
        text=True,
    )
    new = set(built.iterdir()) - before
    if result.returncode != 0:
        raise ImageBuildError(f"pip wheel {spec} failed: {result.stderr.strip()[-800:]}")
    for wheel in new:
        if not wheel.name.endswith("-none-any.whl"):
            wheel.unlink()
            raise ImageBuildError(f"{spec} builds a platform wheel ({wheel.name}): it cannot be built on the host")


def download_wheels(
    target: Path, requirements: list[str], constraints: list[str] = (), say=None, cache: Path | None = None
) -> None:
    """Wheels for the images' Python 3.11 on x86-64 Linux, downloaded on the host into `target`, with
    `target/requirements.txt`. A package the index has only as source is built into a pure-Python wheel
    on the host (kept in the cache) and the download tried again."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "requirements.txt").write_text("\n".join(requirements) + "\n")
    extra: list[str] = []
    if constraints:
        (target / "constraints.txt").write_text("\n".join(constraints) + "\n")
        extra = ["-c", str(target / "constraints.txt")]
    tried: set[str] = set()
    while True:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            *WHEEL_PLATFORM_ARGS,
            "--find-links",
            str(_built_wheels(cache)),
            "-d",
            str(target),
            *extra,
            "pip",
            *requirements,
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            return
        output = result.stdout + result.stderr
        match = next((m for m in (p.search(output) for p in _SDIST_ONLY) if m), None)
        if match is None or match.group(1) in tried:
            raise ImageBuildError(f"pip download failed: {result.stderr.strip()[-1500:]}")
        tried.add(match.group(1))
        _build_sdist_wheel(match.group(1), say or (lambda _m: None), cache)


def image_is_current(client, tag: str = JUDGE_IMAGE) -> bool:
    import docker

    try:
        labels = client.images.get(tag).labels or {}
    except docker.errors.ImageNotFound:
        return False
    return labels.get(RUNNER_LABEL) == runner_digest()


def build_judge_image(
    tag: str = JUDGE_IMAGE, base_image: str | None = None, say=print, cache: Path | None = None
) -> str:
    """Build the judge image; return its tag. `cache`: where wheels built on the host are kept (default: the
    user's cache)."""
    import docker

    client = docker_client()
    base = base_image or ensure_base(client, say)
    with tempfile.TemporaryDirectory(prefix="qa-arena-judge-") as tmp:
        context = Path(tmp)
        for path in [paths.judge_dir() / "Dockerfile", *paths.runner_files()]:
            shutil.copyfile(path, context / path.name)
        say("downloading wheels on the host ...")
        download_wheels(context / "wheels", JUDGE_REQUIREMENTS, say=say, cache=cache)
        say(f"building {tag} on {base} ...")
        try:
            client.images.build(
                path=str(context),
                tag=tag,
                rm=True,
                forcerm=True,
                network_mode="none",
                buildargs={"BASE_IMAGE": base, "RUNNER_SHA": runner_digest()},
                labels={MANAGED_LABEL: "true"},
            )
        except docker.errors.BuildError as exc:
            log = "".join(chunk.get("stream", "") for chunk in exc.build_log if isinstance(chunk, dict))
            raise ImageBuildError(f"docker build failed: {exc}\n{log[-1500:]}") from exc
    return tag


def ensure_judge_image(force: bool = False, say=print, cache: Path | None = None) -> BuiltImage:
    """Build the judge image when it is out of date (or with `force`); what was done."""
    started = time.monotonic()
    built = force or not image_is_current(docker_client())
    if built:
        build_judge_image(say=say, cache=cache)
    return BuiltImage("judge", JUDGE_IMAGE, built, time.monotonic() - started)
