#!/bin/sh
# Prepare the hub's volumes on first start, then run the command (JupyterHub by default).
#   $QA_ARENA_HUB_STATE/hub   the cookie secret and pid files (0700)
#   $QA_ARENA_COURSE_DIR      the course: created with `qa-arena course init` when it has no nbgrader_config.py;
#                             its problems/ are read by the workers
#   $QA_ARENA_EXCHANGE        the nbgrader exchange's root: 1777. Students' containers never see it (they
#                             mount only their own parts, qa_arena/hub/exchange.py); staff's nbgrader checks it is
#                             writable by whoever runs an exchange command, and a release makes it 0777 (no sticky
#                             bit) when it is anything else, so a stricter mode would not last
set -eu

state="${QA_ARENA_HUB_STATE:-/srv/jupyterhub}"
course="${QA_ARENA_COURSE_DIR:-/srv/course}"
exchange="${QA_ARENA_EXCHANGE:-/srv/nbgrader/exchange}"

mkdir -p "$state/hub"
chmod 0700 "$state/hub"
if [ ! -f "$course/nbgrader_config.py" ]; then
    echo "[qa-arena hub] creating the course ${QA_ARENA_COURSE_ID:-testing-101} in $course" >&2
    qa-arena course init "$course" --course-id "${QA_ARENA_COURSE_ID:-testing-101}" \
        --problems "${QA_ARENA_PROBLEMS:-/opt/qa-arena/problems}"
fi
# Staff only: students reach the exchange, never the course directory. 0711, not 0700: the grading workers
# (their own uid) enter it to read problems/, the course's problems (0755/0644, `qa-arena course build`).
chmod 0711 "$course"
mkdir -p "$exchange"
chmod 1777 "$exchange"

exec "$@"
