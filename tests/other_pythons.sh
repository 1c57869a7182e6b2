#!/usr/bin/env bash
# The tests that need no Docker engine, hub or browser, on the other Pythons QA Arena supports: each in a venv
# of its own made by deploy/setup.sh (PYTHON=..., VENV=.venv-X.Y), from pyenv's interpreters or python3.X on
# PATH. The judge's runner runs on each through the local backend. Left to the main run: the nbgrader and
# service suites (their courses and workers grade on Docker where an engine answers), what is marked docker,
# hub, browser or compose, and the installed wheel's tests (`install`: its venv is made with an interpreter
# every user can run, the system's, whichever Python runs pytest).
#
#     bash tests/other_pythons.sh [3.12 3.13]      # after deploy/setup.sh; extra pytest args in $PYTEST_ARGS
set -euo pipefail
cd "$(dirname "$0")/.."
markers="not docker and not hub and not browser and not compose and not nbgrader and not service and not install"
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(3.12 3.13)

find_python() {
    local version=$1 root
    if command -v pyenv >/dev/null; then
        root=$(pyenv root)
        for candidate in $(ls -d "$root/versions/$version".* 2>/dev/null | sort -V -r); do
            [ -x "$candidate/bin/python$version" ] && { echo "$candidate/bin/python$version"; return; }
        done
    fi
    command -v "python$version" || { echo "no Python $version here (pyenv install $version)" >&2; return 1; }
}

status=0
for version in "${versions[@]}"; do
    python=$(find_python "$version")
    echo "== Python $version ($python): pytest -m \"$markers\""
    PYTHON=$python VENV=".venv-$version" bash deploy/setup.sh --no-image
    # shellcheck disable=SC2086
    ".venv-$version/bin/python" -m pytest -m "$markers" -p no:cacheprovider ${PYTEST_ARGS:-} || status=1
done
exit $status
