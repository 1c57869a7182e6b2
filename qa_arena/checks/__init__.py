"""The instant-check service: a JupyterHub service students' check cells send their tests to.

It queues each check on the grading service's queue (the same workers as `qa-arena submit`) and
answers with the student view only, at the feedback level the assignment allows. Hub-managed at
`/services/qa-arena/`, authenticated by the Hub (HubOAuth: API tokens and the browser's OAuth
cookie), written with tornado, which JupyterHub and its services already run on.
"""

SERVICE_NAME = "qa-arena"  # so the service lives at /services/qa-arena/
STAFF_SCOPE = "custom:qa-arena:staff"  # a custom Hub scope: staff skip the limits and may read the stats
