#!/usr/bin/env bash
# Set up QA Arena on a fresh Debian machine: system packages, the Docker engine, the Python venv, the judge image.
# Idempotent: run it again at any time. Works offline except for the package registries (apt, PyPI).
# Any python3 from 3.11 on: PYTHON=python3.13 picks another; VENV=.venv-3.13 puts the venv elsewhere;
# --no-image skips the judge image (for a second venv beside a first).
set -euo pipefail
build_image=1
[ "${1:-}" = "--no-image" ] && build_image=0
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

apt_packages=(docker.io mmdebstrap python3 python3-venv procps util-linux ca-certificates)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    for pkg in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    command -v npm >/dev/null || missing+=(nodejs npm)  # the JupyterLab extension's build, the hub's proxy
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
else
    say "not root: make sure these Debian packages are installed: ${apt_packages[*]}"
fi

# The Docker engine: start dockerd when none answers (nothing starts it for us on these machines).
if command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        say "starting dockerd"
        mkdir -p /var/log
        nohup dockerd >/var/log/qa-arena-dockerd.log 2>&1 &
        for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    fi
fi
if docker info >/dev/null 2>&1; then say "Docker engine answers"; else say "no Docker engine: the local backend will be used"; fi

python=${PYTHON:-python3}
venv=${VENV:-.venv}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "QA Arena needs Python 3.11 or later; $python is $("$python" --version 2>&1): set PYTHON=" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    say "creating $venv with $("$python" --version)"
    "$python" -m venv "$venv"
fi
say "installing QA Arena into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
# jsonschema's optional IRI checker (pulled in by jupyter-events) builds an Earley parser on import: 1.5-2 s
# in every nbgrader, Jupyter and qa-arena process that loads nbformat. Nothing here validates IRIs.
"$venv/bin/python" -m pip uninstall -q -y rfc3987-syntax 2>/dev/null || true

# QA Arena's JupyterLab extension (labextension/, TypeScript): built with the npm registry's packages into
# qa_arena/labextension (shipped in the wheel), and linked into this venv's JupyterLab for the editable install.
labext_out=qa_arena/labextension/package.json
if [ ! -f "$labext_out" ] || [ -n "$(find labextension/src labextension/style labextension/package.json -newer "$labext_out" 2>/dev/null)" ]; then
    say "building the JupyterLab extension (npm)"
    core=$("$venv/bin/python" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')
    (cd labextension && npm install --no-audit --no-fund --loglevel=error >/dev/null && npx tsc \
        && node node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$core" . >/dev/null)
fi
# pip's editable install copied the build of its time there: the link follows every rebuild instead
target="$venv/share/jupyter/labextensions/@qa-arena/jupyterlab"
mkdir -p "$(dirname "$target")"
rm -rf "$target"
ln -s "$PWD/qa_arena/labextension" "$target"

if [ "$build_image" = 1 ] && docker info >/dev/null 2>&1; then
    say "building the judge image when out of date (offline base if the public one cannot be pulled)"
    "$venv/bin/qa-arena" image build judge
fi
say "ready: $venv/bin/qa-arena --help"
