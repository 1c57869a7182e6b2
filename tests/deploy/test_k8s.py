"""deploy/k8s/: Zero to JupyterHub values and the course's and workers' manifests, read as Kubernetes would.

No cluster here: these check the files' structure and that they agree with the images and the compose
stack (single-user image, the exchange mounted by per-user parts, profile list off, the judge behind its
proxy, the check service run by the hub with the services, roles and scopes `jupyterhub_config.py` gives it).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import yaml
from traitlets.config import Config

from qa_arena.hub.checks import configure_checks
from qa_arena.hub.course import Course
from qa_arena.hub.exchange import MOUNT, exchange_volumes, make_user_directories
from tests.deploy.conftest import DEPLOY

K8S = DEPLOY / "k8s"


def documents(name: str) -> dict:
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all((K8S / name).read_text()) if d}


def test_zero_to_jupyterhub_values():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"].endswith("qa-arena/singleuser")
    assert single["profileList"] == [] and single["uid"] == 1000 and single["cmd"] == "jupyterhub-singleuser"
    assert {m["name"] for m in single["storage"]["extraVolumeMounts"]} == {"exchange"}
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in single["storage"]["extraVolumes"]}
    assert claims == {"exchange": "qa-arena-exchange"}
    assert single["extraEnv"]["QA_ARENA_EXCHANGE"] == "/srv/nbgrader/exchange"
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 0
    hub = values["hub"]
    assert hub["services"]["testing-101"]["url"].startswith("http://qa-arena-formgrader.")
    assert "apiToken" not in hub["services"]["testing-101"]  # secrets live in secrets.yaml
    roles = hub["loadRoles"]
    assert roles["formgrade-testing-101"]["scopes"] == ["access:services!service=testing-101"]
    assert "admin" not in str(roles["formgrader-testing-101"]["scopes"])
    assert hub["config"]["Authenticator"]["admin_users"] == []


def exchange_mounts(mounts: list[dict]) -> dict[str, tuple[str, bool]]:
    """subPath -> (mountPath, read-only) of the mounts of the exchange volume."""
    return {m.get("subPath", ""): (m["mountPath"], m.get("readOnly", False)) for m in mounts if m["name"] == "exchange"}


def test_students_pods_mount_only_their_own_parts_of_the_exchange():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    single = values["singleuser"]
    course = single["extraEnv"]["QA_ARENA_COURSE_ID"]
    mounts = exchange_mounts(single["storage"]["extraVolumeMounts"])
    # The compose stack's per-user parts (the host directory there, the volume's root here), at the same paths.
    expected = {
        host.removeprefix("/x/"): (m["bind"], m["mode"] == "ro")
        for host, m in exchange_volumes("/x", course, "per-user").items()
    }
    assert mounts == expected
    assert mounts[f"{course}/outbound"] == (f"{MOUNT}/{course}/outbound", True)
    assert mounts[f"{course}/inbound/{{username}}"] == (f"{MOUNT}/{course}/inbound", False)
    assert mounts[f"{course}/feedback/{{username}}"] == (f"{MOUNT}/{course}/feedback", True)
    # Never the root, nor a directory holding other users' parts; only the user's inbound is writable.
    for sub_path, (mount_path, _) in mounts.items():
        assert sub_path.strip("/.") and sub_path.split("/")[-1] not in ("inbound", "feedback"), sub_path
        assert mount_path.rstrip("/") not in (MOUNT, f"{MOUNT}/{course}"), mount_path
    assert [p for p, (_, read_only) in mounts.items() if not read_only] == [f"{course}/inbound/{{username}}"]
    # The image's nbgrader finds the course's parts where they are mounted.
    assert single["extraEnv"]["QA_ARENA_EXCHANGE"] == MOUNT


def test_an_init_container_makes_the_users_directories_as_the_compose_hub_does(tmp_path, monkeypatch):
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    single = values["singleuser"]
    course = single["extraEnv"]["QA_ARENA_COURSE_ID"]
    (init,) = single["initContainers"]
    assert init["image"] == f"{single['image']['name']}:{single['image']['tag']}"  # pulled for the server anyway
    assert exchange_mounts(init["volumeMounts"]) == {"": (MOUNT, False)}  # a fixed script, before any user code
    security = init["securityContext"]
    assert security["runAsUser"] == 0 and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"], "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER"]}

    # Its script, expanded as KubeSpawner does (str.format), on a directory here; chown is recorded.
    command = [part.format(username="ann") for part in init["command"] + init["args"]]
    assert command[:2] == ["sh", "-c"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "chown").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "chowns"}\n')
    (bin_dir / "chown").chmod(0o755)
    script = command[2].replace(MOUNT, str(tmp_path / "k8s"))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", script], env=env, check=True)
    assert (tmp_path / "chowns").read_text().split() == ["1000:0", str(tmp_path / "k8s" / course / "inbound" / "ann")]

    # The same tree, modes and owner as the compose stack's pre-spawn hook.
    chowns = []
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: chowns.append((str(path), uid, gid)))
    make_user_directories(tmp_path / "compose", course)(SimpleNamespace(template_namespace=lambda: {"username": "ann"}))
    assert chowns == [(str(tmp_path / "compose" / course / "inbound" / "ann"), 1000, 0)]

    def tree(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode)) for p in sorted(root.rglob("*"))}

    assert tree(tmp_path / "k8s") == tree(tmp_path / "compose")
    assert tree(tmp_path / "k8s")[f"{course}/inbound/ann"] == "0o750"


def test_staff_see_the_whole_exchange_and_collect_per_user():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    assert "extraVolumeMounts" not in values["hub"]  # z2jh's hub: no exchange at all
    formgrader = documents("course.yaml")[("Deployment", "qa-arena-formgrader")]["spec"]["template"]["spec"]
    worker = documents("worker.yaml")[("Deployment", "qa-arena-worker")]["spec"]["template"]["spec"]
    for pod, name in ((formgrader, "formgrader"), (worker, "worker")):
        (container,) = [c for c in pod["containers"] if c["name"] == name]
        assert exchange_mounts(container["volumeMounts"]) == {"": (MOUNT, False)}
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["QA_ARENA_EXCHANGE"] == MOUNT and env["QA_ARENA_EXCHANGE_LAYOUT"] == "per-user", name


def test_course_manifests():
    docs = documents("course.yaml")
    for claim in ("qa-arena-exchange", "qa-arena-course"):
        assert docs[("PersistentVolumeClaim", claim)]["spec"]["accessModes"] == ["ReadWriteMany"]
    pod = docs[("Deployment", "qa-arena-formgrader")]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == "/services/testing-101/"
    assert "secretKeyRef" in env["JUPYTERHUB_API_TOKEN"]["valueFrom"]
    assert ("Service", "qa-arena-formgrader") in docs
    # No engine for judges in this pod: its autograde goes to the workers, on their queue and database.
    worker = documents("worker.yaml")[("Deployment", "qa-arena-worker")]["spec"]["template"]["spec"]
    worker_env = {e["name"]: e for e in next(c for c in worker["containers"] if c["name"] == "worker")["env"]}
    assert env["QA_ARENA_AUTOGRADE_VIA"]["value"] == "queue"
    assert env["QA_ARENA_DB_URL"]["valueFrom"] == worker_env["QA_ARENA_DB_URL"]["valueFrom"]
    assert "QA_ARENA_BROKER_URL" not in env and "QA_ARENA_BROKER_URL" not in worker_env  # the database is the queue


def test_worker_deployment_grades_through_its_own_engine_behind_the_judge_proxy():
    docs = documents("worker.yaml")
    pod = docs[("Deployment", "qa-arena-worker")]["spec"]["template"]["spec"]
    init = {c["name"]: c for c in pod["initContainers"]}
    worker = pod["containers"][0]
    assert worker["image"].endswith("qa-arena/worker:latest")
    env = {e["name"]: e for e in worker["env"]}
    assert env["DOCKER_HOST"]["value"] == "tcp://127.0.0.1:2375"
    assert "secretKeyRef" in env["QA_ARENA_DB_URL"]["valueFrom"]
    proxy_env = {e["name"]: e["value"] for e in init["docker-proxy"]["env"]}
    assert proxy_env["QA_ARENA_PROXY_POLICY"] == "judge"
    assert proxy_env["QA_ARENA_PROXY_LISTEN"].startswith("127.0.0.1:")
    assert init["dockerd"]["restartPolicy"] == init["docker-proxy"]["restartPolicy"] == "Always"
    # Only the engine is privileged; the worker runs unprivileged and read-only, and never mounts a socket.
    assert worker["securityContext"]["runAsNonRoot"] and worker["securityContext"]["readOnlyRootFilesystem"]
    assert not any("docker" in m["name"] for m in worker["volumeMounts"])
    assert pod["terminationGracePeriodSeconds"] >= 300
    assert ("PodDisruptionBudget", "qa-arena-worker") in docs and ("NetworkPolicy", "qa-arena-worker") in docs


def test_the_hub_runs_the_check_service_as_jupyterhub_config_does(monkeypatch):
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    hub, single = values["hub"], values["singleuser"]
    service = hub["services"]["qa-arena"]
    url = urlparse(service["url"])
    assert (url.hostname, url.port) == ("hub", 10101)  # z2jh's hub Service, the port of jupyterhub_config.py
    course = Course(root=Path("/srv/course"), course_id="testing-101", exchange=Path("/srv/nbgrader/exchange"),
                    db_url="sqlite:////srv/course/gradebook.db", records_dir=Path("/srv/course/records"))  # fmt: skip
    c = Config()
    (expected, *_), roles = configure_checks(c, [course], service["url"], {}, worker=False)

    # A managed service in the hub's container (whose image has QA Arena), like the compose stack's.
    assert hub["image"]["name"].endswith("qa-arena/hub") and hub["command"] == ["tini", "-g", "--"]
    assert service["command"][0].startswith("python") and service["command"][1:] == expected["command"][1:]
    for key in ("oauth_no_confirm", "oauth_client_allowed_scopes", "display"):
        assert service[key] == expected[key], key
    assert "apiToken" not in service and "environment" not in service  # no secrets in the values
    for role in roles:
        assert {**hub["loadRoles"][role["name"]], "name": role["name"]} == role
    assert hub["config"]["JupyterHub"]["custom_scopes"] == c.JupyterHub.custom_scopes
    assert hub["config"]["KubeSpawner"]["server_token_scopes"] == c.Spawner.server_token_scopes
    check_url = c.Spawner.environment.get_value({})["QA_ARENA_CHECK_URL"]
    assert single["extraEnv"]["QA_ARENA_CHECK_URL"] == check_url == "http://hub:10101/services/qa-arena/"

    # Reachable: on the hub's Service, and through the network policies from users' servers and the proxy.
    assert {"name": "qa-arena-checks", "port": 10101, "targetPort": 10101} in hub["service"]["extraPorts"]
    (ingress,) = hub["networkPolicy"]["ingress"]
    assert ingress["ports"] == [{"port": 10101, "protocol": "TCP"}]
    assert ingress["from"] == [{"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-hub": "true"}}}]
    to_the_hub = {"to": [{"podSelector": {"matchLabels": {"component": "hub"}}}], "ports": ingress["ports"]}
    assert to_the_hub in single["networkPolicy"]["egress"]
    assert to_the_hub in values["proxy"]["chp"]["networkPolicy"]["egress"]

    # Its queue and database: the workers' Secret, through the hub's environment.
    worker = documents("worker.yaml")[("Deployment", "qa-arena-worker")]["spec"]["template"]["spec"]["containers"][0]
    worker_env = {e["name"]: e for e in worker["env"]}
    assert hub["extraEnv"]["QA_ARENA_DB_URL"] == {"valueFrom": worker_env["QA_ARENA_DB_URL"]["valueFrom"]}
    assert hub["extraEnv"]["QA_ARENA_CHECK_BIND_IP"] == "0.0.0.0"

    # hub.extraConfig, run as z2jh runs it (after hub.services): the service gets that environment, the
    # formgrader nothing, and the hub's own variables stay the hub's.
    monkeypatch.setenv("QA_ARENA_DB_URL", "postgresql+psycopg://qa_arena:pw@postgres/qa_arena")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("QA_ARENA_HUB_PROFILE", "production")
    z2jh = Config()
    z2jh.JupyterHub.services = [{**settings, "name": name} for name, settings in hub["services"].items()]
    for name, code in sorted(hub["extraConfig"].items()):
        exec(compile(code, name, "exec"), {"c": z2jh})
    services = {s["name"]: s for s in z2jh.JupyterHub.services}
    environment = services["qa-arena"]["environment"]
    assert environment["QA_ARENA_DB_URL"].startswith("postgresql+psycopg://")
    assert environment["OPENAI_API_KEY"] == "sk-test"
    assert "QA_ARENA_HUB_PROFILE" not in environment and "PATH" in environment
    assert "environment" not in services["testing-101"]
