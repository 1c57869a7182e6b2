"""Build the deployment's images (deploy/images/<name>/), online or offline, each only when out of date.

Run from a checkout: `deploy/build-images.sh` (`python deploy/build_images.py`), or `qa-arena image build
--all|NAME`. Online, each Dockerfile's default base (python:3.11-slim, debian:bookworm-slim) is pulled;
offline, a Debian base is made with mmdebstrap from this machine's apt sources (qa_arena.grading.judge_image does
the same for the judge). Python packages come as wheels downloaded on the host, configurable-http-proxy
from npm on the host, so an offline build needs no network (it runs with `--network none`).

An image is out of date when the digest of its inputs (its directory in deploy/images/, its base and
parent images, the wheels' requirements, QA Arena's sources) differs from its label
`org.qa-arena.inputs-sha256`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from qa_arena.environment import cache_dir
from qa_arena.grading.judge_image import (
    BASE_PACKAGES,
    INPUTS_LABEL,
    MANAGED_LABEL,
    OFFLINE_BASE,
    PUBLIC_BASE,
    WHEEL_PLATFORM_ARGS,
    BuiltImage,
    ImageBuildError,
    docker_client,
    download_wheels,
    ensure_base,
    ensure_judge_image,
)

# -- the deployment's images (deploy/images/<name>/) -------------------------------------------------
PUBLIC_DEBIAN = "debian:bookworm-slim"
APP_BASE = "qa-arena/base-app:bookworm"
APP_PACKAGES = (*BASE_PACKAGES, "nodejs", "tini")
SERVICES_BASE = "qa-arena/base-services:bookworm"
SERVICES_PACKAGES = ("ca-certificates", "curl", "openssl", "postgresql", "nginx-light")
# Added to QA Arena's own dependencies in the runtime image: what a production hub logs in with.
RUNTIME_EXTRAS = ("oauthenticator>=16",)
EXTRA_PACKAGES_ENV = "QA_ARENA_IMAGE_EXTRA_PACKAGES"  # more requirements for the runtime image, space-separated
# Pinned in the images to the versions this checkout's environment runs (and its tests check).
PINNED_TO_HOST = (
    "jupyterhub",
    "dockerspawner",
    "jupyterhub-idle-culler",
    "nbgrader",
    "jupyterlab",
    "notebook",
    "jupyter_server",
    "docker",
    "sqlalchemy",
    "psycopg",
    "alembic",
)


@dataclass(frozen=True)
class ImageSpec:
    """One image of deploy/images/: its directory there is the build context (plus what is added below).

    An image either starts from a base (BASE_IMAGE: `public_base` online, else `offline_base`, made with
    mmdebstrap holding `packages`) or from another image of the deployment (RUNTIME_IMAGE: `parent`).
    """

    name: str
    public_base: str | None = None
    offline_base: str | None = None
    packages: tuple[str, ...] = ()
    parent: str | None = None
    python: bool = False  # wheels/ (dependencies, with requirements.txt) and app/ (QA Arena's wheel)
    node_proxy: bool = False  # chp/node_modules: configurable-http-proxy, installed with npm on the host
    files: tuple[str, ...] = ()  # files and directories of the checkout copied into the context

    @property
    def tag(self) -> str:
        return f"qa-arena/{self.name}:latest"


DEPLOY_IMAGES = (
    ImageSpec("runtime", PUBLIC_BASE, APP_BASE, APP_PACKAGES, python=True),
    ImageSpec("singleuser", parent="runtime"),
    ImageSpec("hub", parent="runtime", node_proxy=True, files=("jupyterhub_config.py", "problems")),
    ImageSpec("worker", parent="runtime", files=("problems",)),
    ImageSpec("docker-proxy", PUBLIC_BASE, OFFLINE_BASE, BASE_PACKAGES),
    ImageSpec("postgres", PUBLIC_DEBIAN, SERVICES_BASE, SERVICES_PACKAGES),
    ImageSpec("nginx", PUBLIC_DEBIAN, SERVICES_BASE, SERVICES_PACKAGES),
)
SPECS = {spec.name: spec for spec in DEPLOY_IMAGES}
ALL_IMAGES = ("judge", *SPECS)


def source_root() -> Path:
    """The checkout the deployment's images are built from (deploy/ and pyproject.toml are there)."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "deploy" / "images").is_dir():
        raise ImageBuildError("the deployment's images are built from a checkout of QA Arena (deploy/images/)")
    return root


def images_dir() -> Path:
    return source_root() / "deploy" / "images"


_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "candidates", ".pytest_cache")


def _tree_digest(digest, root: Path, relative_to: Path) -> None:
    for path in sorted(root.rglob("*")):
        skipped = {"__pycache__", "candidates", ".pytest_cache"}.intersection(path.relative_to(root).parts)
        if skipped or path.suffix == ".pyc" or not path.is_file():
            continue
        digest.update(f"{path.relative_to(relative_to)}\0{os.access(path, os.X_OK)}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")


def source_digest() -> str:
    """QA Arena's sources as they go into its wheel."""
    root = source_root()
    digest = hashlib.sha256()
    for name in ("qa_arena", "autograde_plugins", "judge"):
        _tree_digest(digest, root / name, root)
    for name in ("pyproject.toml", "README.md"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def runtime_requirements() -> list[str]:
    """QA Arena's dependencies, the extras, and $QA_ARENA_IMAGE_EXTRA_PACKAGES."""
    project = tomllib.loads((source_root() / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *RUNTIME_EXTRAS, *os.environ.get(EXTRA_PACKAGES_ENV, "").split()]


def host_pins() -> list[str]:
    """name==version of PINNED_TO_HOST as installed here, so the images run the stack the tests ran."""
    pins = []
    for name in PINNED_TO_HOST:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return pins


def _wheels_digest(requirements: list[str], pins: list[str]) -> str:
    return hashlib.sha256(json.dumps([requirements, pins, WHEEL_PLATFORM_ARGS]).encode()).hexdigest()


def runtime_wheels(say=print) -> Path:
    """The runtime image's dependency wheels: downloaded once per set of requirements and pins, then kept
    in the cache (an unchanged set gives byte-identical wheels/, so Docker reuses the layer installing it)."""
    requirements, pins = runtime_requirements(), host_pins()
    key = _wheels_digest(requirements, pins)[:16]
    store = cache_dir() / "wheels"
    wheelhouse = store / f"runtime-{key}"
    if (wheelhouse / ".complete").is_file():
        return wheelhouse
    store.mkdir(parents=True, exist_ok=True)
    say("downloading the runtime's wheels on the host (a few hundred MB, once) ...")
    partial = Path(tempfile.mkdtemp(prefix="runtime-partial-", dir=store))
    try:
        download_wheels(partial, requirements, pins, say=say, cache=cache_dir())
        (partial / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
        shutil.rmtree(wheelhouse, ignore_errors=True)
        partial.rename(wheelhouse)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    for old in store.glob("runtime-*"):
        if old != wheelhouse and not old.name.startswith("runtime-partial-"):
            shutil.rmtree(old, ignore_errors=True)
    return wheelhouse


def build_app_wheel(target: Path) -> Path:
    """QA Arena's own wheel, built from the checkout."""
    target.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps"]
    result = subprocess.run(
        [*pip, "-w", str(target), str(source_root())],
        capture_output=True,
        text=True,
    )
    wheels = list(target.glob("qa_arena-*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        raise ImageBuildError(f"building QA Arena's wheel failed: {result.stderr.strip()[-1500:]}")
    return wheels[0]


def proxy_modules(say=print) -> Path:
    """node_modules holding configurable-http-proxy, installed with npm on the host (as `qa-arena hub` does)."""
    from qa_arena.hub import proxy

    prefix = cache_dir() / "npm"
    modules = prefix / "node_modules"
    if not (modules / proxy.PROGRAM / "package.json").is_file():
        if not shutil.which("npm"):
            raise ImageBuildError("npm is needed on the host for configurable-http-proxy (apt-get install npm)")
        say(f"installing {proxy.PACKAGE} with npm on the host ...")
        prefix.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", proxy.PACKAGE],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise ImageBuildError(f"npm install {proxy.PACKAGE} failed: {result.stderr[-1500:]}")
    return modules


def _image_id(client, tag: str) -> str | None:
    import docker

    try:
        return client.images.get(tag).id
    except docker.errors.ImageNotFound:
        return None


def inputs_digest(spec: ImageSpec, base_id: str, extra: dict[str, str]) -> str:
    """What an image is built from: its directory, its base or parent image, and `extra` (wheels, sources...)."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"spec": repr(spec), "base": base_id, **extra}, sort_keys=True).encode())
    _tree_digest(digest, images_dir() / spec.name, images_dir())
    root = source_root()
    for name in spec.files:
        path = root / name
        if path.is_dir():
            _tree_digest(digest, path, root)
        else:
            digest.update(f"{name}\0".encode() + path.read_bytes())
    return digest.hexdigest()


def deploy_image_is_current(client, spec: ImageSpec, digest: str) -> bool:
    import docker

    try:
        labels = client.images.get(spec.tag).labels or {}
    except docker.errors.ImageNotFound:
        return False
    return labels.get(INPUTS_LABEL) == digest


def _docker_build(client, context: Path, tag: str, buildargs: dict, labels: dict, network: str | None, say) -> None:
    """`docker build` (the classic builder, streaming its steps to `say`); ImageBuildError with its log."""
    log: list[str] = []
    kwargs = {"network_mode": network} if network else {}
    for chunk in client.api.build(
        path=str(context),
        tag=tag,
        rm=True,
        forcerm=True,
        pull=False,
        buildargs=buildargs,
        labels=labels,
        decode=True,
        **kwargs,
    ):
        if "error" in chunk:
            raise ImageBuildError(f"docker build {tag} failed: {chunk['error'].strip()}\n{''.join(log)[-2500:]}")
        text = chunk.get("stream", "")
        log.append(text)
        if text.startswith("Step "):
            say(f"{tag}: {text.strip()[:110]}")


def build_deploy_image(spec: ImageSpec, base: str, say=print, force: bool = False, client=None) -> BuiltImage:
    """Build one image of deploy/images/ on `base` (a base image, or for a child image its parent's tag)
    unless it is current; the previous image, left untagged, is removed when nothing uses it."""
    client = client or docker_client()
    started = time.monotonic()
    base_id = _image_id(client, base)
    if base_id is None:
        raise ImageBuildError(f"{spec.tag}: its base {base} is not here")
    extra: dict[str, str] = {}
    if spec.python:
        extra["wheels"] = _wheels_digest(runtime_requirements(), host_pins())
        extra["sources"] = source_digest()
    if spec.node_proxy:
        modules = proxy_modules(say)
        extra["chp"] = json.loads((modules / "configurable-http-proxy" / "package.json").read_text())["version"]
    digest = inputs_digest(spec, base_id, extra)
    if not force and deploy_image_is_current(client, spec, digest):
        return BuiltImage(spec.name, spec.tag, False, time.monotonic() - started)
    previous = _image_id(client, spec.tag)
    with tempfile.TemporaryDirectory(prefix=f"qa-arena-{spec.name}-") as tmp:
        context = Path(tmp)
        shutil.copytree(images_dir() / spec.name, context, dirs_exist_ok=True)
        for name in spec.files:
            source = source_root() / name
            if source.is_dir():
                shutil.copytree(source, context / name, ignore=_IGNORED)
            else:
                shutil.copyfile(source, context / name)
        if spec.python:
            shutil.copytree(runtime_wheels(say), context / "wheels", ignore=shutil.ignore_patterns(".complete"))
            say("building QA Arena's wheel ...")
            build_app_wheel(context / "app")
        if spec.node_proxy:
            shutil.copytree(modules, context / "chp" / "node_modules", symlinks=True)
        buildargs = {"RUNTIME_IMAGE": base} if spec.parent else {"BASE_IMAGE": base}
        # Only a public base needs the network (apt-get installs what it lacks); offline bases have it all.
        network = None if spec.public_base and base == spec.public_base else "none"
        labels = {MANAGED_LABEL: "true", INPUTS_LABEL: digest, "org.qa-arena.role": spec.name}
        say(f"building {spec.tag} on {base} ...")
        _docker_build(client, context, spec.tag, buildargs, labels, network, say)
    current = _image_id(client, spec.tag)
    if previous and previous != current:
        import docker

        try:
            if not client.images.get(previous).tags:
                client.images.remove(previous)
        except docker.errors.APIError:
            pass  # still used by a container, or gone already
    return BuiltImage(spec.name, spec.tag, True, time.monotonic() - started)


def _with_parents(names: Iterable[str]) -> list[ImageSpec]:
    wanted: set[str] = set()
    for name in names:
        while name:
            if name not in SPECS:
                raise ImageBuildError(f"no image {name!r}: the images are {', '.join(ALL_IMAGES)}")
            wanted.add(name)
            name = SPECS[name].parent
    return [spec for spec in DEPLOY_IMAGES if spec.name in wanted]


def build_all_images(
    names: Iterable[str] | None = None, force: bool = False, say: Callable[[str], None] = print
) -> list[BuiltImage]:
    """Build the judge image and the deployment's images (or only `names`, with the images they start
    from), each only when its inputs changed (or all with `force`). Offline bases are made first, in
    parallel. Returns what was built and what was already current, in build order."""
    names = list(names) if names is not None else list(ALL_IMAGES)
    results: list[BuiltImage] = []
    client = docker_client()
    if "judge" in names:
        results.append(ensure_judge_image(force, say, cache_dir()))
    specs = _with_parents(n for n in names if n != "judge")
    roots = {(s.public_base, s.offline_base, s.packages) for s in specs if not s.parent}
    with ThreadPoolExecutor(max_workers=max(1, len(roots))) as pool:
        futures = {key: pool.submit(ensure_base, docker_client(), say, *key) for key in roots}
        bases = {key: future.result() for key, future in futures.items()}
    for spec in specs:
        base = SPECS[spec.parent].tag if spec.parent else bases[spec.public_base, spec.offline_base, spec.packages]
        results.append(build_deploy_image(spec, base, say=say, force=force, client=client))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/build_images.py",
        description="Build QA Arena's images (offline when the public bases cannot be pulled), each only "
        "when its inputs changed.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"images to build (default all): {', '.join(ALL_IMAGES)}"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when an image is current")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    say = (lambda _message: None) if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    try:
        results = build_all_images(args.names or None, force=args.force, say=say)
    except ImageBuildError as exc:
        print(f"image build failed: {exc}", file=sys.stderr)
        return 1
    for result in results:
        state = "built" if result.built else "current"
        print(f"{result.tag:32} {state:8} {result.seconds:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
