"""The README's examples run and print what the README says they print, so the docs cannot rot.

A ``console`` block is a session: ``$ command`` lines, each followed by what it prints (stdout). The
test runs each block's commands in order in a scratch folder holding the shipped examples and scenarios,
and compares what they print with the README, figures included. A line ``...`` in the README stands for
any lines (to leave out the middle of a long table). After a change that is meant to move the figures,
``python -m tests.functional.test_readme --update`` rewrites the README's outputs from real runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from triage.rulebook import load_criteria

ROOT = Path(__file__).resolve().parents[2]
README_PATH = ROOT / "README.md"
README = README_PATH.read_text()
CONSOLE = re.compile(r"```console\n(.*?)```", flags=re.S)
#: Tables are drawn for this terminal width, so the README's copy is the same on every machine.
ENV = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def session(block: str) -> list[tuple[str, list[str]]]:
    """A console block as (command, expected output lines) pairs."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line.rstrip())
    return steps


def test_exactly_two_setup_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", setup, flags=re.S)
    assert len(commands) == 2
    assert "pip install -e ." in commands[0] and "pytest" in commands[1]


def workdir(tmp_path: Path) -> Path:
    """A scratch folder with the shipped examples and scenarios, so examples never write into the repo."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


def run(command: str, cwd: Path) -> tuple[int, list[str], str]:
    args = shlex.split(command)
    assert args[0] == "dols-sim", command
    r = subprocess.run(
        [sys.executable, "-m", "commands.main", *args[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env=ENV,
    )
    return r.returncode, [line.rstrip() for line in r.stdout.rstrip("\n").splitlines()], r.stderr


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line, where a ``...`` line in ``expected`` stands for any number of lines."""
    pattern = "\n".join(".*?" if line == "..." else re.escape(line) for line in expected)
    return re.fullmatch(pattern, "\n".join(actual), flags=re.S) is not None


@pytest.mark.parametrize("block", CONSOLE.findall(README), ids=lambda b: session(b)[0][0][:60])
def test_console_examples_print_what_the_readme_says(block: str, tmp_path: Path) -> None:
    cwd = workdir(tmp_path)
    for command, expected in session(block):
        code, actual, stderr = run(command, cwd)
        assert code == 0, f"{command}: exit {code}: {stderr}"
        assert matches(expected, actual), (
            f"{command} printed something else than the README says (rerun "
            "`python -m tests.functional.test_readme --update` if the change is meant):\n" + "\n".join(actual)
        )


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir(tmp_path))
    exec(compile(code, "README.md", "exec"), {})


@pytest.mark.parametrize("text", [t for t in blocks("toml") if "[[criterion]]" in t])
def test_toml_criteria_examples_load(text: str, tmp_path: Path) -> None:
    p = tmp_path / "criteria.toml"
    p.write_text(text)
    assert load_criteria(p).criterion


def test_worklist_excerpt_is_the_worklist() -> None:
    """The README's excerpt of the example worklist is what triage gives today, row by row."""
    from datetime import date

    from triage.worklist import build_worklist

    text = README.split("An excerpt of the worklist", 1)[1].split("\n\n", 2)[1]
    header, _, *rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()]
    worklist = build_worklist(ROOT / "examples" / "open_applications.csv", date(2026, 11, 23)).worklist
    for row in rows:
        actual = worklist.iloc[int(row[0]) - 1]
        shown = {
            col: str(actual[col])[:10]
            if "deadline" in col and col != "days_to_deadline"
            else str(actual[col])
            for col in header
        }
        assert dict(zip(header, row, strict=True)) == shown


def update(readme: str, scratch: Path) -> str:
    """The README with every console block's outputs replaced by what the commands print now (a
    ``...`` elision is kept where the README has one: the lines it stood for are left out again)."""

    def redo(m: re.Match[str]) -> str:
        cwd = workdir(Path(tempfile.mkdtemp(dir=scratch)) / "work")
        lines = []
        for command, expected in session(m.group(1)):
            code, actual, stderr = run(command, cwd)
            if code != 0:
                raise SystemExit(f"{command}: exit {code}: {stderr}")
            if "..." in expected:  # keep the same head and tail around the elision
                cut = expected.index("...")
                tail = len(expected) - cut - 1
                actual = [*actual[:cut], "...", *(actual[-tail:] if tail else [])]
            lines += [f"$ {command}", *actual]
        return "```console\n" + "\n".join(lines) + "\n```"

    return CONSOLE.sub(redo, readme)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python -m tests.functional.test_readme --update")
    with tempfile.TemporaryDirectory() as tmp:
        README_PATH.write_text(update(README, Path(tmp)))
    print("README.md console outputs updated", file=sys.stderr)
