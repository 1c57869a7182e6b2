"""The notebook side: the static check and the stand-in for the hidden module."""

import pytest

from qa_arena.client import CheckClient, HiddenImplementation, check, static_check, stub_module


def test_static_check_lists_tests_and_flags_empty_ones():
    source = "%load_ext x\nimport pytest\n\ndef test_a():\n    assert 1\n\ndef test_b():\n    pass\n"
    assert static_check(source) == [
        "2 test function(s): test_a, test_b",
        "test_b asserts nothing: it cannot catch a bug",
    ]
    assert static_check("def test_a(:\n") == ["syntax error on line 1: invalid syntax"]
    assert static_check("x = 1\n") == ["no test functions (name them test_...)"]
    unconfigured = CheckClient(url="", token="")
    assert "not configured" in str(check("durations", "def test_a():\n    assert True\n", client=unconfigured))


def test_stand_in_module_imports_any_name_and_refuses_to_run():
    module = stub_module("durations")
    parse_duration = module.parse_duration
    with pytest.raises(HiddenImplementation, match=r"durations\.parse_duration is hidden"):
        parse_duration("1h")
    with pytest.raises(NotImplementedError):
        module.Inventory(3)


def test_a_check_with_no_service_answering_says_so_in_words():
    client = CheckClient(url="http://127.0.0.1:9/services/qa-arena/", token="a-token", timeout_s=5)
    result = check("durations", "def test_a():\n    assert 1\n", client=client)
    assert "Could not check: cannot reach the check service at http://127.0.0.1:9/services/qa-arena/" in str(result)
    assert "<li>1 test function(s): test_a</li>" in result._repr_html_()
    broken = check("durations", "def test_a(:\n", client=client)  # not sent: the service is not asked
    assert "Fix this first" in str(broken)


# -- the check cell in a real kernel: it checks the tests cell as it is on screen ----------------------------

OLD = "def test_old():\n    assert 1\n"
NEW = "def test_new():\n    assert 2\n"


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """An ipykernel with QA Arena's magics loaded, and no check service configured (static checks only)."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.delenv("QA_ARENA_CHECK_URL", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        assert "error" not in run(client, "%load_ext qa_arena.client")
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code: str) -> str:
    """Execute code; return what it printed or displayed (text/plain), errors included."""
    reply_id = client.execute(code)
    out = []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != reply_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind in ("display_data", "execute_result"):
            out.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            out.append("error: " + content["ename"] + ": " + content["evalue"])
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)


def send_on_screen_text(client, tests: str) -> None:
    """What QA Arena's JupyterLab extension does just before the check cell runs."""
    import uuid

    msg = client.session.msg("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "qa_arena_tests",
                                           "data": {"tests": tests}})  # fmt: skip
    client.shell_channel.send(msg)


def test_the_check_grades_the_edited_cell_not_the_one_run_last(kernel):
    assert run(kernel, OLD) == ""
    send_on_screen_text(kernel, NEW)  # edited on screen, not run
    output = run(kernel, "%qa_arena_check durations")
    assert "1 test function(s): test_new" in output and "test_old" not in output
    assert "last saved" not in output and "ran last" not in output


def test_without_the_extension_the_check_reads_the_saved_notebook(kernel, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    tests = nbformat.v4.new_code_cell(NEW, metadata={"nbgrader": {"grade_id": "durations-tests"}})
    nb.cells = [nbformat.v4.new_code_cell("%load_ext qa_arena.client"), tests, nbformat.v4.new_code_cell("x")]
    path = tmp_path / "durations.ipynb"
    nbformat.write(nb, str(path))
    run(kernel, OLD)
    run(kernel, f"__session__ = {str(path)!r}")  # as Jupyter Server tells its kernels
    output = run(kernel, "%qa_arena_check durations")
    assert "1 test function(s): test_new" in output and "test_old" not in output
    assert "Checked the tests cell as last saved: save the notebook first" in output


def test_outside_a_notebook_the_check_takes_the_tests_run_last(kernel):
    run(kernel, OLD)
    output = run(kernel, "%qa_arena_check durations")
    assert "1 test function(s): test_old" in output and "Checked the tests cell you ran last." in output


def test_nbgrader_validate_uses_up_no_check(kernel):
    run(kernel, "import os; os.environ['NBGRADER_EXECUTION'] = 'validate'")
    run(kernel, "os.environ['QA_ARENA_CHECK_URL'] = 'http://127.0.0.1:9/'; os.environ['JUPYTERHUB_API_TOKEN'] = 't'")
    send_on_screen_text(kernel, NEW)
    output = run(kernel, "%qa_arena_check durations")
    assert output.startswith("Not checked here: nbgrader's Validate does not grade your tests.")
    assert "Could not check" not in output  # the service was not asked
