"""Load: N concurrent browser sessions each run the example scenario on one local page server.

    python benchmarks/page_load.py [--sessions 10] [--reps 20] [--timeout 600]

Bounded in count (N sessions, one run each) and time (--timeout); talks to 127.0.0.1 only. Each session
uses its own seed, so every run is really computed (no cache hits). Exits non-zero if any session shows
an error or a traceback, or does not finish in time. ``tests/test_load.py`` runs it small in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Page, async_playwright  # noqa: E402

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402


async def run_scenario(page: Page, url: str, seed: int, reps: int, timeout_ms: int) -> float:
    """Open the page, run the example scenario with this seed, wait for its results; seconds taken."""
    page.set_default_timeout(timeout_ms)
    t0 = time.perf_counter()
    await page.goto(url)
    await page.get_by_role("tab", name="Scenario").click()
    await page.get_by_role("spinbutton", name="Replications").fill(str(reps))
    await page.get_by_role("spinbutton", name="Seed").fill(str(seed))
    await page.get_by_role("button", name="Run").click()
    await page.get_by_text("Results: ").first.wait_for()
    await page.locator('[data-testid="stVegaLiteChart"]').last.wait_for()
    errors = await page.locator('[data-testid="stException"]').count()
    if errors or await page.get_by_text("Traceback").count():
        raise RuntimeError(f"session with seed {seed}: the page showed an error")
    return time.perf_counter() - t0


async def load(sessions: int, reps: int, timeout_s: float) -> list[float]:
    with running_app() as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            contexts = [await browser.new_context() for _ in range(sessions)]
            pages = [await c.new_page() for c in contexts]
            jobs = [
                run_scenario(pg, url, 1000 + i, reps, int(timeout_s * 1000)) for i, pg in enumerate(pages)
            ]
            times = await asyncio.wait_for(asyncio.gather(*jobs), timeout=timeout_s)
            await browser.close()
    return list(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    times = asyncio.run(load(args.sessions, args.reps, args.timeout))
    wall = time.perf_counter() - t0
    print(f"{args.sessions} concurrent sessions, {args.reps} replications each: all completed without errors")
    print(f"per session: median {statistics.median(times):.1f} s, max {max(times):.1f} s; wall {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
