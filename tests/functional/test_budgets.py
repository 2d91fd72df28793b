"""Issue 10: each hostile input runs in its own process under a time and memory limit, and ends cleanly.

The inputs are the findings' shapes made small (tests/hostile.py). A process is given 1.5 GB of address
space (``resource.setrlimit``) and 60 s; it must finish within them, exit 0 (read) or 2 (one line, no
traceback), and peak well under the limit. Before issue 10 the workbooks hung or took gigabytes, the
scenarios took the machine, and several ended in a traceback.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AS_OF, EXAMPLE
from tests.hostile import nested_toml, unclosed_quote_csv, utf16_tab_text, wide_csv, workbook

#: The child's address space (RLIMIT_AS): a runaway allocation fails fast instead of swapping. Address
#: space is not memory used: OpenBLAS's and the allocators' per-thread reservations reach about 1.7 GB
#: on this 2-core machine while under 200 MB is resident, and 1.5 GB made the wide-CSV cases fail now
#: and then (a MemoryError in xlsxwriter or Arrow, on main as well). The assertion is on the resident
#: peak (PEAK_MB); this bound only stops a run away.
MEMORY_LIMIT = 3 * 1024 * 1024 * 1024
SECONDS = 60
PEAK_MB = 700  # the interpreter with pandas and the engine is about 200 MB


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(*args: object) -> tuple[int, str, float]:
    """``dols-sim ARGS`` in a child process under the limits: (exit code, stderr, peak MB)."""
    code = (
        "import resource, sys\nfrom commands.main import main\nrc = main(sys.argv[1:])\n"
        "sys.stderr.write('\\nPEAK %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\nsys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=SECONDS,
        preexec_fn=_limit,
    )
    err, _, peak = done.stderr.rpartition("\nPEAK ")
    return done.returncode, err, int(peak.strip() or 0) / 1024


EXPORTS = {
    "unclosed.csv": unclosed_quote_csv(200, 40),
    "claims-whole-sheet.xlsx": workbook(rows=50, dimension="A1:XFD1048576"),
    "stray-cell.xlsx": workbook(rows=2, far=(1_048_576, 16_384)),
    "wide.csv": wide_csv(rows=100, columns=2000),
    "unicode.txt": utf16_tab_text(200),
}


@pytest.mark.parametrize("name", list(EXPORTS))
@pytest.mark.parametrize("out", ["w.csv", "w.xlsx"])
def test_each_hostile_export_runs_within_time_and_memory(name: str, out: str, tmp_path: Path) -> None:
    src = tmp_path / name
    src.write_bytes(EXPORTS[name])
    code, err, peak = run_limited("triage", src, "--as-of", AS_OF.isoformat(), "--out", tmp_path / out)
    assert code == 0, err
    assert "Traceback" not in err
    assert peak < PEAK_MB, f"{name}: {peak:.0f} MB"


SCENARIOS = [
    ["--set", "initial_backlog.size=100000000"],
    ["--set", "initial_backlog.size=9000000"],
    ["--set", "initial_backlog.authorisations_in_force=9000000"],
    ["--set", "demand.applications_per_month=200000"],
    ["--set", "demand.growth_pct_per_year=1000"],
    ["--set", "demand.growth_pct_per_year=1e300"],
    ["--set", "horizon.start_date=9999-12-01"],
    ["--set", "staffing.bia_fte=" + "9" * 5000],
    ["--set", "closure.hospital.died_per_day=1e300"],
    ["--set", "initial_backlog.worklist=/dev/zero", "--set", "initial_backlog.size=0"],
    ["--reps", "1000000"],
]


@pytest.mark.parametrize("args", SCENARIOS, ids=lambda a: a[-1][:40])
def test_each_hostile_scenario_is_refused_within_time_and_memory(args: list[str], tmp_path: Path) -> None:
    code, err, peak = run_limited("run", EXAMPLE, "--out", tmp_path, *args)
    assert code == 2, err
    assert err.strip().startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert peak < PEAK_MB


@pytest.mark.parametrize("kind", ["array", "table"])
def test_deeply_nested_scenario_files_are_refused_within_time_and_memory(kind: str, tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(nested_toml(100_000, kind))
    code, err, peak = run_limited("validate", deep)
    assert code == 2 and "nested" in err, err
    assert peak < PEAK_MB
