"""The formgrader's file links, sent to the formgrader that made them.

nbgrader's formgrader links an assignment's name and its "Preview" to `/tree/<path>` (and notebooks to
`/notebooks/…`, files to `/edit/…`) at the root of the site: right for a lone notebook server, a 404 on
a hub, where the formgrader is a service under `/services/<course>/`. The hub sends every path outside
its prefix to `/hub/…`; this handler takes those three and redirects to the same path in the JupyterLab
of the formgrader service the click came from (the Referer names it), or of the only one there is.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join
from tornado import web

LINK_KINDS = ("tree", "notebooks", "edit")


class FormgraderLinkHandler(BaseHandler):
    """`/hub/{tree,notebooks,edit}/<path>` → `/services/<formgrader>/lab/tree/<path>`."""

    def initialize(self, services: list[str]) -> None:
        self.formgraders = services

    def formgrader_of(self, referer: str) -> str | None:
        prefix = url_path_join(self.base_url, "services") + "/"
        path = urlparse(referer).path
        if path.startswith(prefix):
            name = path[len(prefix) :].split("/", 1)[0]
            if name in self.formgraders:
                return name
        return self.formgraders[0] if len(self.formgraders) == 1 else None

    def get(self, kind: str, path: str) -> None:
        service = self.formgrader_of(self.request.headers.get("Referer", ""))
        if service is None:
            raise web.HTTPError(
                404,
                f"/{kind}/{path} is a formgrader's link, and it is not known which course's: open it from that "
                "course's formgrader (Services menu).",
            )
        self.redirect(url_path_join(self.base_url, "services", service, "lab", "tree", quote(path)))


def formgrader_link_handlers(services: list[str]) -> list[tuple]:
    """For `c.JupyterHub.extra_handlers` (the hub mounts them under its prefix, /hub/)."""
    return [(rf"/({'|'.join(LINK_KINDS)})/(.*)", FormgraderLinkHandler, {"services": services})]
