"""A real browser for the HTML view's tests: headless Chromium from Debian's package, driven by
Selenium through Debian's chromium-driver (the same build, so their versions always match).

- Missing browser: the tests are skipped, unless ``KG_REQUIRE_BROWSER=1`` (CI), where that is a failure.
- Each session starts one Chromium with a fresh profile and no network services of its own.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Without a GPU WebGL runs on SwiftShader; saying so keeps Chromium's deprecation warning away.
    "--enable-unsafe-swiftshader",
)


def start_chromium(user_data_dir: str | Path, *, width: int = 1400, height: int = 900):
    """A Selenium driver for a new headless Chromium with its own profile folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    options.add_argument(f"--window-size={width},{height}")
    # Console messages, and the network requests the page makes (none but its own file, we check).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(180)
    driver.set_script_timeout(60)
    return driver


def open_view(driver, path: str | Path, *, timeout: float = 120.0) -> None:
    """Load a kg view page and wait until its script has finished setting up (body[data-ready])."""
    drain_logs(driver)
    driver.get(Path(path).resolve().as_uri())
    deadline = time.monotonic() + timeout
    while driver.execute_script("return document.body && document.body.dataset.ready") != "true":
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not get ready within {timeout} s")
        time.sleep(0.1)


def drain_logs(driver) -> None:
    for kind in ("browser", "performance"):
        driver.get_log(kind)


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last drain (the page's and Chromium's own)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _required() -> bool:
    return os.environ.get("KG_REQUIRE_BROWSER", "").strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        reason = f"{', '.join(missing)} missing (apt-get install chromium chromium-driver)"
        if _required():
            pytest.fail(f"KG_REQUIRE_BROWSER is set but {reason}", pytrace=False)
        pytest.skip(reason)
    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    driver = start_chromium(profile)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
