"""`qa-arena image build`: the judge image, or every deployment image (offline when needed)."""

from __future__ import annotations

from rich.console import Console

from .command import EXIT_ERROR, EXIT_OK


def add_parsers(sub) -> None:
    image = sub.add_parser("image", help="container images").add_subparsers(dest="action", required=True)
    build = image.add_parser("build", help="build the judge image, or with --all every image (offline when needed)")
    build.add_argument("names", nargs="*", metavar="NAME", help="images of deploy/images/ (and judge) to build")
    build.add_argument("--all", action="store_true", help="the judge and every deployment image, each when out of date")
    build.add_argument("--force", action="store_true", help="with --all/NAME: rebuild even when current")
    build.add_argument("--tag", default="qa-arena/judge:latest")
    build.add_argument("--base-image", help="base to build on (default: python:3.11-slim, else an offline base)")
    build.set_defaults(func=cmd_image_build)


def cmd_image_build(args) -> int:
    from .images import ImageBuildError, build_all_images, build_judge_image

    console = Console(stderr=True)
    results, tag = None, None
    try:
        with console.status("building images") as status:
            if args.all or args.names:
                results = build_all_images(args.names or None, force=args.force, say=lambda m: status.update(m))
            else:
                tag = build_judge_image(args.tag, args.base_image, say=lambda msg: status.update(msg))
    except ImageBuildError as exc:
        console.print(f"image build failed: {exc}", markup=False)
        return EXIT_ERROR
    if tag:
        console.print(f"built {tag}")
    for result in results or []:
        console.print(f"{result.tag}: {'built' if result.built else 'current'} ({result.seconds:.1f} s)")
    return EXIT_OK
