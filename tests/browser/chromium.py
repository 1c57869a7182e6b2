"""Headless Chromium for the browser tests: Debian's `chromium` and `chromium-driver`, driven by Selenium.

Debian ships the browser and a chromedriver of the same version, so nothing is downloaded at run time
(Selenium Manager is never asked: both paths are given). As root on Debian, missing packages are
installed with apt-get (CI starts on a fresh machine), after `apt-get update` if the first try fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

BROWSER = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
PACKAGES = ("chromium", "chromium-driver")
# what the environment notes say Chromium needs here; --disable-dev-shm-usage for small /dev/shm in containers
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
WINDOW = (1400, 1000)


class ChromiumMissing(RuntimeError):
    pass


def installed() -> bool:
    return all(os.access(path, os.X_OK) for path in (BROWSER, DRIVER))


def ensure_chromium(say: Callable[[str], None] = print) -> None:
    """Install Debian's chromium and chromium-driver when missing (as root, with apt-get)."""
    if installed():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise ChromiumMissing(f"{BROWSER} or {DRIVER} is missing: install Debian's {' and '.join(PACKAGES)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", *PACKAGES]
    say(f"installing {' '.join(PACKAGES)} (apt-get)")
    result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:  # a fresh machine has no package lists yet
        update = subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, text=True, timeout=600)
        if update.returncode != 0:
            raise ChromiumMissing(f"apt-get update failed:\n{update.stderr[-2000:]}")
        result = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0 or not installed():
        raise ChromiumMissing(f"{' '.join(install)} failed:\n{result.stderr[-2000:]}")


@contextmanager
def chromium(log: Path | None = None) -> Iterator:
    """A Selenium WebDriver on headless Chromium with a fresh profile, quit and removed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="qa-arena-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in (*FLAGS, f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = Service(DRIVER, log_output=str(log) if log else subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
