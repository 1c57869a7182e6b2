"""QA Arena in an LMS over LTI 1.3 Advantage: registrations, the tool's keys, scores back (AGS), rosters (NRPS).

- ``models``: the tables (in the QA Arena database); ``keys``: the tool's RSA keys and JWKS;
- ``client``: what the tool asks of a platform (tokens, scores, memberships), with timeouts and retries;
- ``passback``: the outbox of score posts for an assignment; ``roster``: members into the gradebook;
- ``cli``: `qa-arena lms register|jwks|roster|link|push|status`.
"""
