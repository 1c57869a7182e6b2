"""The tool's keys: made once, published as a JWKS, rotated with two kids published, retired."""

from __future__ import annotations

import jwt

from qa_arena.lms.keys import ToolKeys


def verify(token: str, jwks: dict) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], options={"verify_aud": False})


def test_one_key_is_made_and_kept(store):
    keys = ToolKeys(store)
    first = keys.jwks()
    assert len(first["keys"]) == 1 and first["keys"][0]["kty"] == "RSA" and first["keys"][0]["alg"] == "RS256"
    assert "d" not in first["keys"][0]  # public only
    assert ToolKeys(store).jwks() == first  # the same key from another process's view
    assert verify(keys.sign({"iss": "tool"}), first) == {"iss": "tool"}


def test_a_rotation_publishes_two_kids_until_the_old_one_is_retired(store):
    keys = ToolKeys(store)
    old = keys.jwks()["keys"][0]["kid"]
    signed_before = keys.sign({"n": 1})
    new = keys.rotate()
    during = keys.jwks()
    assert {k["kid"] for k in during["keys"]} == {old, new}
    assert jwt.get_unverified_header(keys.sign({"n": 2}))["kid"] == new  # the new key signs
    assert verify(signed_before, during) == {"n": 1}  # what the old key signed still verifies
    assert keys.retire_all_but_newest() == [old]
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new]


def test_the_username_rule_is_the_launchs():
    """Mirrors ltiauthenticator's LTI13Authenticator.get_username (then JupyterHub lowercases)."""
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    from qa_arena.lms.roster import LmsUsernames

    for key in ("email", "sub", "given_name"):
        ours, theirs = LmsUsernames(username_key=key), LTI13Authenticator(username_key=key)
        for claims in ({"sub": "U-1", "email": "Ada@Example.edu", "given_name": "Ada"}, {"sub": "U-2"}):
            assert ours.username(claims) == theirs.get_username(claims).lower(), (key, claims)
    roster_member = {"user_id": "U-3", "email": "Cy@Example.edu"}  # NRPS names the user id user_id
    assert LmsUsernames(username_key="sub").username(roster_member) == "u-3"
    assert LmsUsernames().username(roster_member) == "cy@example.edu"
