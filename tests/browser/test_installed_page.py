"""``dols-sim app`` from an installed wheel, not a clone: build the wheel, install it into a folder of its
own, start the page from there and see the shipped example in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, ROOT, running_app

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright

SKIP = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", "artifacts", ".*cache")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the tree (nothing written into the clone), installed alone."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=SKIP)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work), str(src)], check=True
    )
    (wheel,) = work.glob("dols_sim-*.whl")
    target = work / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    return target


def test_the_wheel_holds_the_page_and_its_data(site: Path) -> None:
    for part in ("page/app.py", "page/text/glossary.md", "dols_examples/open_applications.csv"):
        assert (site / part).is_file(), part
    assert (site / "dols_scenarios" / "example-council.toml").is_file()
    assert (site / "triage" / "rules" / "screening_criteria.toml").is_file()


def test_dols_sim_app_serves_the_installed_page(site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import page, commands; print(page.__file__, commands.__file__)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.count(str(site)) == 2, where.stdout  # the wheel's code, not the clone's
    cmd = [sys.executable, "-m", "commands.main", "app", "--port", "{port}"]
    with running_app(command=cmd, env=env, cwd=tmp_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url)
        worklist = page.locator('[data-testid="stMetric"]').filter(has_text="On the worklist")
        expect(worklist.locator('[data-testid="stMetricValue"]')).to_have_text("1,978", timeout=60_000)
        page.get_by_role("tab", name="About").click()
        expect(page.get_by_text("Glossary")).to_be_visible(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    # Stopping ``dols-sim app`` (SIGTERM, as a service manager does) stops the server it started.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
        except OSError:
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"the page at {url} still answers after dols-sim app was stopped")
