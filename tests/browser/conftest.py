"""Browser tests: the dev hub of tests/hub (same fixtures) and headless Chromium driven by Selenium.

Screenshots go to artifacts/browser/<test>/ (gitignored), one per step, plus `failed.png` and the page's
HTML when a test fails, so a CI run leaves something to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.chromium import ChromiumMissing, chromium, ensure_chromium
from tests.hub.conftest import dev_hub, proxy  # noqa: F401 - fixtures, shared with tests/hub

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # read by `driver` to keep a screenshot of a failure
    return report


@pytest.fixture(scope="session")
def chromium_installed() -> None:
    pytest.importorskip("selenium", reason="selenium is in the test extra: pip install -e '.[test]'")
    try:
        ensure_chromium(say=lambda message: print(f"[browser tests] {message}"))
    except ChromiumMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture
def artifacts(request) -> Path:
    """artifacts/browser/<test name>/, emptied first."""
    directory = ARTIFACTS / request.node.name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def driver(chromium_installed, artifacts, request):
    with chromium(log=artifacts / "chromedriver.log") as browser:
        yield browser
        failed = getattr(request.node, "report_call", None)
        if failed is not None and failed.failed:
            browser.save_screenshot(str(artifacts / "failed.png"))
            (artifacts / "failed.html").write_text(browser.page_source)
