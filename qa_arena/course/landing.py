"""A student's server extension: `/qa-arena/assignments/<course>/<assignment>` opens that assignment.

An LMS link to a QA Arena assignment (the deep-linking answer, qa_arena.lms.deep_linking) points at
`/hub/user-redirect/qa-arena/assignments/<course>/<assignment>`: the hub starts the student's server and
sends the browser here. This fetches the assignment from the course's exchange when the student has not
yet (nbgrader's own assignment list does the work, with the student's access to the course), then opens
its first notebook in JupyterLab. A course or an assignment the student cannot get is a page that says so.

Enabled in students' servers only (the dev hub's Jupyter config, the single-user image): it needs
nbgrader's assignment_list extension, which students' servers have.
"""

from __future__ import annotations

import html
import os
from urllib.parse import quote

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

EXTENSION = "qa_arena.course.landing"
NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": EXTENSION}]


class AssignmentLandingHandler(JupyterHandler):
    """GET: fetch the assignment when it is only released, then redirect to its first notebook."""

    @web.authenticated
    def get(self, course_id: str, assignment_id: str) -> None:
        manager = self.settings.get("assignment_list_manager")
        if manager is None:
            raise web.HTTPError(501, "nbgrader's assignment list is not enabled in this server")
        mine = self._find(manager, course_id, assignment_id)
        if mine is not None and mine["status"] == "released":
            manager.fetch_assignment(course_id, assignment_id)
            mine = self._find(manager, course_id, assignment_id)
        if mine is None or mine["status"] == "released":
            self.set_status(404)
            self.finish(
                "<!doctype html><title>Assignment not available</title>"
                f"<h1>{html.escape(assignment_id)} of {html.escape(course_id)} is not available to you</h1>"
                "<p>It is not released yet, or you are not a student of this course. Open the course from your "
                "LMS again later, or ask your instructor.</p>"
            )
            return
        notebooks = [n["path"] for n in mine.get("notebooks", [])] or [mine["path"]]
        relative = os.path.relpath(notebooks[0], self.settings["server_root_dir"])
        self.redirect(url_path_join(self.base_url, "lab", "tree", quote(relative)))

    @staticmethod
    def _find(manager, course_id: str, assignment_id: str) -> dict | None:
        """The student's entry for the assignment in nbgrader's list of released ones: fetched, or only released."""
        listed = manager.list_assignments(course_id=course_id)
        if not listed.get("success"):
            return None
        entries = [a for a in listed["value"] if a["assignment_id"] == assignment_id and a["course_id"] == course_id]
        for status in ("fetched", "released"):
            for entry in entries:
                if entry["status"] == status:
                    return entry
        return None


def _load_jupyter_server_extension(serverapp) -> None:
    route = url_path_join(serverapp.web_app.settings["base_url"], rf"qa-arena/assignments/({NAME})/({NAME})")
    serverapp.web_app.add_handlers(".*$", [(route, AssignmentLandingHandler)])
