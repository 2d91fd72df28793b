"""Page timings in a real browser: first render, and the example scenario's results with 20 replications.

    python benchmarks/page_bench.py [--repeats 5]

First render = from navigation until the triage metrics and the first chart are on screen, measured
beside a bare Streamlit page (one title) served the same way in the same run. Scenario = from pressing
Run until the results chart is drawn, beside the library's own ``run_replications`` for the same
scenario in this process. A new seed each time, so no result comes from the cache. Targets (issue 5):
first render under 3 s, scenario under 5 s. Prints a markdown table for the README.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from simulation.experiment import run_replications  # noqa: E402
from simulation.scenario_file import load_scenario  # noqa: E402
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402

#: A Vega-Lite chart drawn (its canvas or svg), not only its frame.
CHART_DRAWN = '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'


def first_render(browser: Browser, url: str, ready_text: str, chart: bool) -> float:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_text(ready_text).first.wait_for()
    if chart:
        page.locator(CHART_DRAWN).first.wait_for()
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


def scenario_run(browser: Browser, url: str, seed: int, reps: int) -> float:
    """Seconds from pressing Run to the results chart, in a new browser session.

    The page is first let finish drawing (the Triage tab's metrics and first chart), as a person sees it
    before choosing a tab. Clicking the Scenario tab sooner raced that drawing: in some repeats the run
    then also paid for fetching and compiling the chart and table code (about 0.3 s), in others not.
    Likewise the Scenario tab is let finish drawing before the levers are set and Run is pressed (a person
    reads the levers first): pressing Run at once timed part of the tab's own drawing too.
    """
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.get_by_text("On the worklist").first.wait_for()
    page.locator(CHART_DRAWN).first.wait_for()
    page.get_by_role("tab", name="Scenario").click()
    page.get_by_text("Set the levers and press Run.").wait_for()
    page.wait_for_load_state("networkidle")  # the tab's widget code fetched
    page.get_by_role("spinbutton", name="Replications").fill(str(reps))
    page.get_by_role("spinbutton", name="Seed").fill(str(seed))
    t0 = time.perf_counter()
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Results: ").first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').last.wait_for()
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "example-council.toml")
    lib = []
    for k in range(3):
        t0 = time.perf_counter()
        run_replications(scenario, args.reps, 5000 + k)
        lib.append(time.perf_counter() - t0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        with tempfile.TemporaryDirectory() as tmp:
            bare = Path(tmp) / "bare.py"
            bare.write_text("import streamlit as st\nst.title('bare page')\n")
            with running_app(app_file=bare) as url:
                first_render(browser, url, "bare page", chart=False)
                bare_t = [first_render(browser, url, "bare page", chart=False) for _ in range(args.repeats)]
        with running_app() as url:
            first_render(browser, url, "On the worklist", chart=True)  # warm caches as a user's second visit
            ours = [first_render(browser, url, "On the worklist", chart=True) for _ in range(args.repeats)]
            runs = [scenario_run(browser, url, 7000 + k, args.reps) for k in range(args.repeats)]
        browser.close()
    b, o, r, li = (statistics.median(x) for x in (bare_t, ours, runs, lib))
    print(f"Page benchmark (median of {args.repeats}; 2-core machine; headless Chromium)\n")
    print("| measure | median s | baseline | ratio |")
    print("|---|---:|---:|---:|")
    print(
        f"| first render (metrics + first chart) | {o:.2f} | bare Streamlit page {b:.2f} s | {o / b:.1f}x |"
    )
    label = f"example scenario, {args.reps} replications, Run to chart"
    print(f"| {label} | {r:.2f} | library alone {li:.2f} s | {r / li:.2f}x |")
    ok = o < 3 and r < 5
    print(f"\ntargets (first render < 3 s, scenario < 5 s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
