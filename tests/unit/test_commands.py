"""The command line's own promises: each command imports only what it needs, and the page is served
with the project's Streamlit settings whether from a clone or an installed package."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from commands.page_cmd import PAGE_SETTINGS, streamlit_flags
from tests.conftest import REPO

HEAVY = ("pandas", "numpy", "scipy", "simpy", "streamlit", "simulation", "pydantic")


def modules_after(args: list[str]) -> set[str]:
    """Top-level modules loaded by ``dols-sim ARGS`` in a fresh interpreter."""
    code = (
        "import sys, contextlib, io\nfrom commands.main import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main({args!r})\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    return set(out.stdout.split())


def test_help_loads_no_data_library() -> None:
    loaded = modules_after(["--help"])
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_triage_never_loads_the_simulation_or_the_page() -> None:
    args = ["triage", "examples/open_applications.csv", "--as-of", "2026-11-23"]
    loaded = modules_after(args)
    assert "pandas" in loaded  # it did run
    assert not loaded & {"simulation", "scipy", "simpy", "streamlit", "page"}


def test_the_page_is_served_with_the_projects_streamlit_settings() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config == PAGE_SETTINGS
    assert config["browser"]["gatherUsageStats"] is False  # no telemetry, ever
    flags = streamlit_flags()
    assert flags[flags.index("--browser.gatherUsageStats") + 1] == "false"


def imports_of(path: object) -> set[str]:
    """Every module a source file imports (at any depth, lazy imports included)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(str(path)).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


#: What the front-ends may use of the engine: the scenario and experiment layers, never one run's parts.
ENGINE_FACE = {
    "simulation",
    "simulation.scenario",
    "simulation.scenario_file",
    "simulation.admission",
    "simulation.experiment",
    "simulation.metrics",
    "simulation.compare",
    "simulation.sweep",
    "simulation.compare_options",
    "simulation.plan",
    "simulation.precision",
    "simulation.executors",
    "simulation.calibrate",  # a history in, a scenario and its fit report out (issue 13)
    "simulation.backtest",  # a scenario against a past window of a history (issue 13)
    "simulation.backtest_reading",  # what a backtest's miss points to (issue 21)
}


def test_the_layers_hold() -> None:
    front = [
        *REPO.glob("commands/*.py"),
        *REPO.glob("page/*.py"),
        *REPO.glob("presentation/*.py"),
        REPO / "app.py",
    ]
    for path in front:
        engine = {m for m in imports_of(path) if m.startswith("simulation")}
        assert engine <= ENGINE_FACE, f"{path.name} reaches into {engine - ENGINE_FACE}"
    one_run = {"simulation.model", *(f"simulation.{m.stem}" for m in REPO.glob("simulation/*.py"))}
    assert not imports_of(REPO / "simulation" / "model.py") & {"simulation.experiment", "simulation.compare"}
    assert "simulation.model" in one_run  # (the model is imported by the experiment layer only)
    for path in REPO.glob("triage/*.py"):
        assert not any(
            m.startswith(("simulation", "commands", "page", "presentation")) for m in imports_of(path)
        )
    for path in [*REPO.glob("*/*.py"), REPO / "app.py"]:
        if "streamlit" in {m.split(".")[0] for m in imports_of(path)}:
            assert path.parent.name in ("page", "tests", "browser", "functional", "benchmarks"), path
