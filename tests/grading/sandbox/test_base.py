"""The Sandbox extension point: what a backend must implement is enforced as an ABC's would be."""

import pytest

from qa_arena.grading.sandbox import Sandbox
from qa_arena.grading.sandbox.docker import DockerSandbox
from qa_arena.grading.sandbox.local import LocalSandbox
from tests.ai.fakes import CrashSandbox

ABSTRACT = ("_launch", "_write", "_read", "_terminate")


def test_a_backend_that_implements_nothing_cannot_be_instantiated():
    class Empty(Sandbox):
        pass

    with pytest.raises(TypeError, match="Can't instantiate abstract class Empty") as raised:
        Empty()
    assert all(name in str(raised.value) for name in ABSTRACT)
    with pytest.raises(TypeError, match="abstract class Sandbox"):
        Sandbox()


def test_the_error_names_only_the_methods_still_missing():
    class Half(Sandbox):
        def _launch(self) -> dict | None:
            return None

        def _write(self, data: bytes) -> None:
            pass

    with pytest.raises(TypeError) as raised:
        Half(workers=1)
    message = str(raised.value)
    assert "_read" in message and "_terminate" in message
    assert "_launch" not in message and "_write" not in message


@pytest.mark.parametrize("backend", [LocalSandbox, DockerSandbox, CrashSandbox])
def test_the_backends_implement_everything_and_instantiate(backend):
    assert getattr(backend, "__abstractmethods__", frozenset()) == frozenset()
    assert isinstance(backend(workers=1), Sandbox)
