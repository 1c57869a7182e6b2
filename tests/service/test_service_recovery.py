"""A worker SIGKILLed in the middle of a job: a new worker finishes the job, once, and nothing is lost."""

from __future__ import annotations

import time

import pytest

from .conftest import SERVICE, embedded_settings, make_bank, sweep_cgroups, wait_for

pytestmark = SERVICE

# Each run sleeps, so the job is still RUNNING when its worker dies.
SLOW = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(2)\n    assert add(2, 3) == 5\n"
CGROUPS = "qa-arena-svctest-kill-"


@pytest.mark.parametrize("broker", ["embedded", "redis"])
def test_a_killed_worker_loses_no_job_and_grades_it_once(setup_factory, tmp_path, request, broker):
    bank = make_bank(tmp_path / "bank", timeout_s=20, minimal=True)  # golden + one mutant: a short job
    settings = embedded_settings(tmp_path, bank, **{"LocalSandbox.cgroup_prefix": CGROUPS})
    if broker == "redis":
        settings["GradingQueue.broker_url"] = request.getfixturevalue("redis_server").url.rsplit("/", 1)[0] + "/2"
    setup = setup_factory(broker, settings)
    request.addfinalizer(lambda: sweep_cgroups(CGROUPS))
    service = setup.service()

    doomed = setup.worker("--backend", "local")
    submission = service.submit("erin", "adder", SLOW)
    wait_for(lambda: service.store.get(submission.id).status == "RUNNING", 30, "the job to start")
    time.sleep(0.5)  # mid-job
    doomed.kill()  # the worker and its pool process, at once, as a crash would
    assert service.store.get(submission.id).status == "RUNNING"  # its lease has not run out yet

    rescuer = setup.worker("--backend", "local")
    done = service.wait(submission.id, timeout_s=60)
    assert (done.status, done.score, done.attempts) == ("SUCCESS", 100.0, 2), done.log
    assert done.log.count("attempt 1 lost") == 1
    assert done.log.count(": SUCCESS") == 1 and "attempt 2: SUCCESS" in done.log  # one recorded result
    assert "job lost, published again" in rescuer.output

    time.sleep(1.5)  # a redelivery of the first message, or another sweep, must not grade it again
    again = service.store.get(submission.id)
    assert (again.status, again.attempts, again.finished_at) == ("SUCCESS", 2, done.finished_at)
    service.store.dispose()
