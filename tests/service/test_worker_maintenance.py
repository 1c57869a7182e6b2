"""What a worker's supervisor does besides jobs: it reaps the judge containers of workers that are gone."""

from __future__ import annotations

import types

from traitlets.config import Config

from qa_arena.grading.sandbox.docker import DockerSandbox
from qa_arena.service.worker import Supervisor


def sweeper_for(backend: str) -> Supervisor:
    config = Config()
    config.Judge.sandbox_class = backend
    return Supervisor(types.SimpleNamespace(config=config, queue=None))


def test_a_docker_worker_reaps_orphans_and_a_local_one_leaves_docker_alone(monkeypatch):
    calls = []
    monkeypatch.setattr(DockerSandbox, "reap_orphans", classmethod(lambda cls, client=None: calls.append(1) or []))
    sweeper_for("docker").reap_judge_containers()
    assert calls == [1]
    sweeper_for("local").reap_judge_containers()
    assert calls == [1]


def test_a_docker_api_that_refuses_to_list_containers_is_asked_once(monkeypatch):
    """The deployment's Docker proxy answers 403 to a container list (it reaps judge containers itself)."""
    import docker

    calls = []

    def refused(cls, client=None):
        calls.append(1)
        raise docker.errors.APIError("403 Client Error: Forbidden", response=types.SimpleNamespace(status_code=403))

    monkeypatch.setattr(DockerSandbox, "reap_orphans", classmethod(refused))
    sweeper = sweeper_for("docker")
    sweeper.reap_judge_containers()
    sweeper.reap_judge_containers()
    assert calls == [1]
