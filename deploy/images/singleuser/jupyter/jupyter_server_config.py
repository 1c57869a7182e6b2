"""Jupyter Server in a student's container, as DockerSpawner starts it (jupyterhub-singleuser)."""

c = get_config()  # noqa: F821 - provided by Jupyter Server

c.ServerApp.terminals_enabled = True  # `nbgrader list`, `qa-arena submit` from a terminal
c.FileContentsManager.delete_to_trash = False  # the home is a volume: no hidden trash filling it
# an LMS link to an assignment (/hub/user-redirect/qa-arena/assignments/<course>/<assignment>) opens it
c.ServerApp.jpserver_extensions.update({"qa_arena.course.landing": True})
