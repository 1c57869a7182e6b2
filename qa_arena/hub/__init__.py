"""QA Arena on JupyterHub: the dev hub (`qa-arena hub`) and the pieces `jupyterhub_config.py` uses.

- `settings`: the environment variables both profiles read, and where the dev hub keeps its state.
- `accounts`: the dev profile's demo accounts and their passwords.
- `auth.DemoAuthenticator`: log in with those accounts (dev only).
- `spawner.IsolatedProcessSpawner`: single-user servers as local processes, each user under a uid of
  their own with a private home (dev).
- `runtime`: an interpreter every user can execute, for those servers.
- `course`: the course of $QA_ARENA_COURSE_DIR (its id and exchange; a demo course when none is given).
- `courses`: every course the hub serves (that one, and those `qa-arena hub courses add` put in its file).
- `dev`: what the dev hub lays out on disk before it starts.
- `proxy`: find configurable-http-proxy, or install it with npm.
- `cli`: `qa-arena hub`, `qa-arena hub courses add|list|remove`.
"""

from pathlib import Path

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")  # what `qa-arena hub` and the root file load
