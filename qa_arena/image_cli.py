"""`qa-arena image build`: the judge image, or every deployment image (offline when needed)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from rich.console import Console

from qa_arena.command import EXIT_ERROR, EXIT_OK, BadInput
from qa_arena.environment import cache_dir
from qa_arena.grading import paths
from qa_arena.grading.judge_image import ImageBuildError, build_judge_image, ensure_judge_image

BUILDER = "qa_arena_deploy_build_images"  # the module name deploy/build_images.py is loaded under


def add_parsers(sub) -> None:
    image = sub.add_parser("image", help="container images").add_subparsers(dest="action", required=True)
    build = image.add_parser("build", help="build the judge image, or with --all every image (offline when needed)")
    build.add_argument("names", nargs="*", metavar="NAME", help="images of deploy/images/ (and judge) to build")
    build.add_argument("--all", action="store_true", help="the judge and every deployment image, each when out of date")
    build.add_argument("--force", action="store_true", help="with --all/NAME: rebuild even when current")
    build.add_argument("--tag", default="qa-arena/judge:latest")
    build.add_argument("--base-image", help="base to build on (default: python:3.11-slim, else an offline base)")
    build.set_defaults(func=cmd_image_build)


def deployment_builder() -> ModuleType:
    """deploy/build_images.py of the checkout QA Arena runs from (a wheel does not carry the deployment)."""
    script = paths.judge_dir().parent / "deploy" / "build_images.py"
    if not script.is_file():
        raise BadInput(
            "the deployment's images are built from a checkout of QA Arena (deploy/build-images.sh); "
            "an installed QA Arena builds only the judge image: `qa-arena image build`"
        )
    if BUILDER in sys.modules:
        return sys.modules[BUILDER]
    spec = importlib.util.spec_from_file_location(BUILDER, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[BUILDER] = module  # before it runs: its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def cmd_image_build(args) -> int:
    console = Console(stderr=True)
    results, tag = None, None
    deployment = args.all or [name for name in args.names if name != "judge"]
    builder = deployment_builder() if deployment else None
    try:
        with console.status("building images") as status:
            if builder:
                names = args.names or None
                results = builder.build_all_images(names, force=args.force, say=lambda m: status.update(m))
            elif args.names:  # judge
                results = [ensure_judge_image(args.force, say=lambda m: status.update(m), cache=cache_dir())]
            else:
                say = status.update
                tag = build_judge_image(args.tag, args.base_image, say=say, cache=cache_dir())
    except ImageBuildError as exc:
        console.print(f"image build failed: {exc}", markup=False)
        return EXIT_ERROR
    if tag:
        console.print(f"built {tag}")
    for result in results or []:
        console.print(f"{result.tag}: {'built' if result.built else 'current'} ({result.seconds:.1f} s)")
    return EXIT_OK
