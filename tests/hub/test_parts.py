"""The hub's parts on their own: demo accounts, the authenticator, the spawner's account, the command line."""

from __future__ import annotations

import asyncio
import os
import stat
from types import SimpleNamespace

import pytest

from qa_arena import cli
from qa_arena.hub import settings
from qa_arena.hub.accounts import demo_accounts
from qa_arena.hub.auth import DemoAuthenticator
from qa_arena.hub.proxy import find_proxy
from qa_arena.hub.spawner import IsolatedProcessSpawner

pytestmark = pytest.mark.hub


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("QA_ARENA_"):
            monkeypatch.delenv(name)


def test_generated_passwords_are_kept_private_and_stable(tmp_path):
    first = demo_accounts(tmp_path)
    assert [(a.name, a.role) for a in first] == [("instructor", "instructor"), ("alice", "student"), ("bob", "student")]
    assert len({a.password for a in first}) == 3 and all(len(a.password) >= 12 for a in first)
    store = tmp_path / "hub" / "demo-accounts.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert demo_accounts(tmp_path) == first
    more = demo_accounts(tmp_path, ["instructor"], ["alice", "carol"])
    assert more[:2] == first[:2] and more[2].name == "carol"


def test_one_password_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DEMO_PASSWORD, "demo-pass")
    monkeypatch.setenv(settings.STUDENTS, "ann, ben")
    accounts = demo_accounts(tmp_path)
    assert [a.name for a in accounts] == ["instructor", "ann", "ben"]
    assert {a.password for a in accounts} == {"demo-pass"}
    assert not (tmp_path / "hub" / "demo-accounts.json").exists()


@pytest.mark.parametrize(("instructors", "students"), [(["Admin"], []), (["x y"], []), (["ann"], ["ann"])])
def test_bad_account_names(tmp_path, instructors, students):
    with pytest.raises(ValueError):
        demo_accounts(tmp_path, instructors, students)


def test_authenticator_checks_name_and_password():
    auth = DemoAuthenticator(passwords={"alice": "right", "bob": ""})
    assert auth.allowed_users == {"alice", "bob"}

    def login(name, password):
        return asyncio.run(auth.authenticate(None, {"username": name, "password": password}))

    assert login("alice", "right") == "alice"
    assert login("ALICE", "right") == "alice"  # JupyterHub normalizes names to lowercase
    assert login("alice", "wrong") is None
    assert login("bob", "") is None  # an empty password never matches
    assert login("carol", "right") is None


def test_spawner_account_views(tmp_path):
    user = SimpleNamespace(name="alice", id=5, url="/user/alice/", escaped_name="alice")
    spawner = IsolatedProcessSpawner(
        user=user, home_root=str(tmp_path / "homes"), passwd_dir=str(tmp_path / "pw"), uid_base=500_000, isolate=True
    )
    assert (spawner.uid, spawner.gid) == (500_005, 500_005)
    if os.geteuid() != 0:
        pytest.skip("making the home of another uid needs root")
    passwd, group = spawner._prepare_account()
    home = tmp_path / "homes" / "alice"
    assert (home.stat().st_uid, stat.S_IMODE(home.stat().st_mode)) == (500_005, 0o700)
    first = passwd.read_text().splitlines()[0]
    assert first == f"jovyan:x:500005:500005:QA Arena user alice:{home}:/bin/bash"
    assert group.read_text().startswith("jovyan:x:500005:\n")
    env = spawner.user_env({"VIRTUAL_ENV": "/root/venv", "PYTHONPATH": "/root/src"})
    assert env["USER"] == "jovyan" and env["HOME"] == str(home)
    assert "VIRTUAL_ENV" not in env and "PYTHONPATH" not in env
    assert "--allow-root" not in spawner.get_args()


def test_spawner_refuses_names_that_are_not_paths(tmp_path):
    user = SimpleNamespace(name="../etc", id=1, url="/user/x/", escaped_name="x")
    spawner = IsolatedProcessSpawner(user=user, home_root=str(tmp_path), passwd_dir=str(tmp_path))
    with pytest.raises(ValueError):
        spawner.home  # noqa: B018


def test_cli_bad_input(tmp_path, capsys):
    assert cli.main(["hub", "--port", "70000"]) == 2
    assert "not a port number" in capsys.readouterr().err
    assert cli.main(["hub", "--course-dir", str(tmp_path)]) == 2
    assert "is not a course directory" in capsys.readouterr().err


def test_proxy_is_found_once_installed(proxy):
    assert find_proxy() == proxy


def test_services_environment_passes_course_settings_but_not_the_hubs_secrets(monkeypatch):
    monkeypatch.setenv("QA_ARENA_SANDBOX", "docker")
    monkeypatch.setenv("QA_ARENA_HUB_PORT", "8123")
    monkeypatch.setenv(settings.ADMIN_TOKEN, "secret-token")
    monkeypatch.setenv(settings.DEMO_PASSWORD, "secret-password")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = settings.services_environment()
    assert env["QA_ARENA_SANDBOX"] == "docker"
    assert not {"QA_ARENA_HUB_PORT", settings.ADMIN_TOKEN, settings.DEMO_PASSWORD} & set(env)
    first, *rest = env["PATH"].split(os.pathsep)
    assert os.path.exists(os.path.join(first, "alembic")) and rest == ["/usr/bin"]  # nbgrader finds its alembic


def test_without_npm_the_proxy_is_not_installed_and_no_system_package_is(tmp_path, monkeypatch):
    """QA Arena installs nothing on the system: with npm missing it says what to install, and runs no apt-get."""
    from qa_arena.hub.proxy import ProxyInstallError, ensure_proxy

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ran = tmp_path / "apt-get-ran"
    apt = bin_dir / "apt-get"
    apt.write_text(f"#!/bin/sh\ntouch {ran}\n")
    apt.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))  # apt-get (a stand-in that records a call), no npm, no proxy
    monkeypatch.setenv("QA_ARENA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ProxyInstallError, match=r"npm is missing: install Node\.js and npm"):
        ensure_proxy(say=lambda _message: None)
    assert not ran.exists()
