"""QA Arena in an LMS over LTI 1.3 Advantage: registrations, the tool's keys, scores back (AGS), rosters (NRPS).

- ``models``: the tables (in the QA Arena database); ``keys``: the tool's RSA keys and JWKS;
- ``client``: what the tool asks of a platform (tokens, scores, memberships), with timeouts and retries;
- ``passback``: the outbox of score posts for an assignment; ``roster``: members into the gradebook;
- ``launch``: the post-auth hook of LTI launches (deployments, records, groups); ``deep_linking``: the answer
  to an instructor adding an assignment from the LMS (the hub's side is ``qa_arena/hub/lti.py``);
- ``cli``: `qa-arena lms register|jwks|roster|link|push|status`.
"""

# A score post's states (lms_outbox.state), and `lms status`'s for a student with nothing graded. Here, not in
# models: `qa-arena lms` reads them without importing the database layer.
PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
NOT_GRADED = "not-graded"
