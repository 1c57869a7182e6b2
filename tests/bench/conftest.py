"""The load test's smoke tests use the dev hub of tests/hub for its --url mode."""

from tests.hub.conftest import dev_hub, proxy  # noqa: F401 - fixtures, shared with tests/hub
