"""A worker SIGKILLed in the middle of a job: another worker grades the job again, once, within the bound
(Grader.lease_s + JobQueue.poll_interval_s), and nothing is lost. On SQLite and on a real PostgreSQL."""

from __future__ import annotations

import time

import pytest

from .conftest import SERVICE, embedded_settings, make_bank, sweep_cgroups, wait_for

pytestmark = SERVICE

# Each run sleeps, so the job is still RUNNING when its worker dies.
SLOW = "import time\nfrom adder import add\n\n\ndef test_sum():\n    time.sleep(2)\n    assert add(2, 3) == 5\n"
CGROUPS = "qa-arena-svctest-kill-"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_killed_worker_loses_no_job_and_another_grades_it_once(
    setup_factory, tmp_path, request, database, drill_report
):
    bank = make_bank(tmp_path / "bank", timeout_s=20, minimal=True)  # golden + one mutant: a short job
    settings = embedded_settings(tmp_path, bank, **{"LocalSandbox.cgroup_prefix": CGROUPS})
    if database == "postgresql":
        settings["SubmissionStore.db_url"] = request.getfixturevalue("postgres").new_database("kill_drill")
    setup = setup_factory(database, settings)
    request.addfinalizer(lambda: sweep_cgroups(CGROUPS))
    service = setup.service()
    doomed, rescuer = setup.worker("--backend", "local"), setup.worker("--backend", "local")

    submission = service.submit("erin", "adder", SLOW)
    first = wait_for(lambda: (row := service.store.get(submission.id)).status == "RUNNING" and row, 30, "the job")
    victim, other = (doomed, rescuer) if str(doomed.proc.pid) in first.worker else (rescuer, doomed)
    time.sleep(0.5)  # mid-job
    victim.kill()  # the worker and its job process, at once, as a crash would
    killed_at = time.monotonic()
    assert service.store.get(submission.id).status == "RUNNING"  # its lease has not run out yet

    done = service.wait(submission.id, timeout_s=60)
    recovered_s = time.monotonic() - killed_at
    assert (done.status, done.score, done.attempts) == ("SUCCESS", 100.0, 2), done.log
    assert done.log.count("attempt 1 lost") == 1 and str(other.proc.pid) in done.worker
    assert done.log.count(": SUCCESS") == 1 and "attempt 2: SUCCESS" in done.log  # one recorded result
    bound = setup.settings["Grader.lease_s"] + setup.settings["JobQueue.poll_interval_s"] + 10  # + the regrade
    drill_report(f"{database}: worker SIGKILLed mid-grade -> graded again by another worker in {recovered_s:.1f} s")
    assert recovered_s < bound

    time.sleep(1.5)  # nobody grades it again
    again = service.store.get(submission.id)
    assert (again.status, again.attempts, again.finished_at) == ("SUCCESS", 2, done.finished_at)
    service.store.dispose()
