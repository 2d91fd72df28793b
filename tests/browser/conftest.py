"""On a failed browser test, a full-page screenshot of what the browser showed (tests/artifacts/failed-*.png):
a timing failure on a loaded machine is then something to look at, not to guess."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.browser.harness import ARTIFACTS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = getattr(item, "funcargs", {}).get("page")
    if page is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(Exception):  # a screenshot is a help, never a second failure
        page.screenshot(path=str(ARTIFACTS / f"failed-{item.name}.png"), full_page=True)
