"""Concurrent sessions against one local page server (small in CI; see benchmarks/page_load.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.browser.harness import CHROMIUM, ROOT

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)


def test_ten_concurrent_sessions_complete_without_errors(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import page_load

    assert page_load.main(["--sessions", "10", "--reps", "3", "--timeout", "400"]) == 0
    assert "all completed without errors" in capsys.readouterr().out
