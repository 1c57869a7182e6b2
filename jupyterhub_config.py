"""QA Arena's JupyterHub configuration, for `jupyterhub -f jupyterhub_config.py` from this directory.

The configuration itself ships in the package (qa_arena/hub/jupyterhub_config.py, which documents its
two profiles and their environment variables), so that `qa-arena hub` works from an installed wheel
too. Add site-specific settings below the line that loads it.
"""

from qa_arena.paths import hub_config_file

c = get_config()  # noqa: F821 - provided by JupyterHub
load_subconfig(str(hub_config_file()))  # noqa: F821 - provided by JupyterHub
