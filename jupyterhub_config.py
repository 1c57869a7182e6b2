"""QA Arena's JupyterHub configuration, for `jupyterhub -f jupyterhub_config.py` from this directory.

The configuration itself ships in the package (qa_arena/hub/jupyterhub_config.py, which documents its
two profiles and their environment variables), so that `qa-arena hub` works from an installed wheel
too. Add site-specific settings below the line that loads it.
"""

from qa_arena.hub import CONFIG_FILE

c = get_config()  # noqa: F821 - provided by JupyterHub
load_subconfig(str(CONFIG_FILE))  # noqa: F821 - provided by JupyterHub
