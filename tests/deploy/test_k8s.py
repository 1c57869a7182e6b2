"""deploy/k8s/: Zero to JupyterHub values and the course's and workers' manifests, read as Kubernetes would.

No cluster here: these check the files' structure and that they agree with the images and the compose
stack (single-user image, exchange mount, profile list off, the judge behind its proxy).
"""

from __future__ import annotations

import yaml

from tests.deploy.conftest import DEPLOY

K8S = DEPLOY / "k8s"


def documents(name: str) -> dict:
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all((K8S / name).read_text()) if d}


def test_zero_to_jupyterhub_values():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["image"]["name"].endswith("qa-arena/singleuser")
    assert single["profileList"] == [] and single["uid"] == 1000 and single["cmd"] == "jupyterhub-singleuser"
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    assert mounts == {"exchange": "/srv/nbgrader/exchange"}
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


def test_course_manifests():
    docs = documents("course.yaml")
    for claim in ("qa-arena-exchange", "qa-arena-course"):
        assert docs[("PersistentVolumeClaim", claim)]["spec"]["accessModes"] == ["ReadWriteMany"]
    pod = docs[("Deployment", "qa-arena-formgrader")]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["JUPYTERHUB_SERVICE_PREFIX"]["value"] == "/services/testing-101/"
    assert "secretKeyRef" in env["JUPYTERHUB_API_TOKEN"]["valueFrom"]
    assert ("Service", "qa-arena-formgrader") in docs


def test_worker_deployment_grades_through_its_own_engine_behind_the_judge_proxy():
    docs = documents("worker.yaml")
    pod = docs[("Deployment", "qa-arena-worker")]["spec"]["template"]["spec"]
    init = {c["name"]: c for c in pod["initContainers"]}
    worker = pod["containers"][0]
    assert worker["image"].endswith("qa-arena/worker:latest")
    env = {e["name"]: e for e in worker["env"]}
    assert env["DOCKER_HOST"]["value"] == "tcp://127.0.0.1:2375"
    assert {"QA_ARENA_BROKER_URL", "QA_ARENA_DB_URL"} <= set(env)
    assert all("secretKeyRef" in env[k]["valueFrom"] for k in ("QA_ARENA_BROKER_URL", "QA_ARENA_DB_URL"))
    proxy_env = {e["name"]: e["value"] for e in init["docker-proxy"]["env"]}
    assert proxy_env["QA_ARENA_PROXY_POLICY"] == "judge"
    assert proxy_env["QA_ARENA_PROXY_LISTEN"].startswith("127.0.0.1:")
    assert init["dockerd"]["restartPolicy"] == init["docker-proxy"]["restartPolicy"] == "Always"
    # Only the engine is privileged; the worker runs unprivileged and read-only, and never mounts a socket.
    assert worker["securityContext"]["runAsNonRoot"] and worker["securityContext"]["readOnlyRootFilesystem"]
    assert not any("docker" in m["name"] for m in worker["volumeMounts"])
    assert pod["terminationGracePeriodSeconds"] >= 300
    assert ("PodDisruptionBudget", "qa-arena-worker") in docs and ("NetworkPolicy", "qa-arena-worker") in docs
