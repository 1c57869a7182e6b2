"""Launches: an unregistered deployment is refused; a launch is recorded with its claims, names the user by the
roster's rule, and gives the groups of every course the user launched into, with their role there."""

from __future__ import annotations

import pytest

from qa_arena.lms.launch import AGS, CONTEXT, DEPLOYMENT, NRPS, ROLES, Launches, LaunchRefused, role_of
from qa_arena.lms.models import CourseLink, Launch, Platform
from tests.support.lti_platform import INSTRUCTOR, LEARNER

TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


@pytest.fixture
def registered(store, tmp_path):
    with store.session() as session:
        platform = Platform(issuer="https://lms.example", client_id="tool-1", deployment_id="dep-1",
                            auth_url="https://lms.example/auth", token_url="https://lms.example/token",
                            jwks_url="https://lms.example/jwks")  # fmt: skip
        session.add(platform)
        session.flush()
        for context, course in (("ctx-a", "course-a"), ("ctx-b", "course-b")):
            session.add(CourseLink(platform_id=platform.id, context_id=context, course_id=course,
                                   course_dir=str(tmp_path / course)))  # fmt: skip
    return store


def claims(sub: str, roles: list[str], context: str = "ctx-a", deployment: str = "dep-1", **more) -> dict:
    return {"iss": "https://lms.example", "aud": "tool-1", "sub": sub, DEPLOYMENT: deployment, ROLES: roles,
            CONTEXT: {"id": context}, AGS: {"lineitems": "https://lms.example/li"},
            NRPS: {"context_memberships_url": "https://lms.example/m"}, **more}  # fmt: skip


def test_roles():
    assert role_of([INSTRUCTOR]) == "instructor" and role_of([TA, INSTRUCTOR]) == "ta"
    assert (
        role_of([LEARNER]) == "student"
        and role_of(["http://purl.imsglobal.org/vocab/lis/v2/system/person#User"]) is None
    )


def test_an_unregistered_deployment_is_refused_and_nothing_is_recorded(registered):
    with pytest.raises(LaunchRefused, match=r"'dep-2' of https://lms\.example .*not registered.*lms register"):
        Launches(registered).record(claims("u1", [LEARNER], deployment="dep-2"))
    with registered.session() as session:
        assert session.query(Launch).count() == 0


def test_a_launch_is_recorded_and_gives_the_groups_of_each_course_with_its_role(registered):
    launches = Launches(registered)
    first = launches.record(claims("u1", [LEARNER], email="Ann@Example.edu"))
    assert (first.username, first.course_id, first.role, first.groups) == (
        "ann@example.edu", "course-a", "student", ["nbgrader-course-a"])  # fmt: skip
    second = launches.record(claims("u1", [TA], context="ctx-b", email="ann@example.edu"))
    assert second.groups == ["formgrade-course-b", "nbgrader-course-a"]  # a TA in B, still a student in A
    unlinked = launches.record(claims("u1", [INSTRUCTOR], context="ctx-z", email="ann@example.edu"))
    assert unlinked.course_id is None and unlinked.groups == second.groups  # an unlinked context gives nothing
    other = launches.record(claims("u2", [LEARNER], context="ctx-b"))
    assert other.username == "u2" and other.groups == ["nbgrader-course-b"]  # no email: named by sub
    with registered.session() as session:
        row = session.query(Launch).filter_by(username="ann@example.edu", course_id="course-a").one()
        assert (row.sub, row.role, row.context_id) == ("u1", "student", "ctx-a")
        assert row.ags == {"lineitems": "https://lms.example/li"} and row.nrps["context_memberships_url"]
