"""The README's examples run, so the docs cannot rot."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from triage.rulebook import load_criteria

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def console_commands() -> list[str]:
    return [line[2:] for b in blocks("console") for line in b.splitlines() if line.startswith("$ ")]


def test_exactly_two_setup_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", setup, flags=re.S)
    assert len(commands) == 2
    assert "pip install -e ." in commands[0] and "pytest" in commands[1]


def _workdir(tmp_path: Path) -> Path:
    """A scratch folder with the shipped examples and scenarios, so examples never write into the repo."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    return tmp_path


@pytest.mark.parametrize("command", console_commands())
def test_console_examples_run(command: str, tmp_path: Path) -> None:
    _workdir(tmp_path)
    args = shlex.split(command)
    assert args[0] == "dols-sim"
    r = subprocess.run(
        [sys.executable, "-c", "import sys; from simulation.cli import main; sys.exit(main())", *args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_run(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_workdir(tmp_path))
    exec(compile(code, "README.md", "exec"), {})


@pytest.mark.parametrize("text", blocks("toml"))
def test_toml_criteria_examples_load(text: str, tmp_path: Path) -> None:
    if "[[criterion]]" not in text:
        pytest.skip("not a criteria example")
    p = tmp_path / "criteria.toml"
    p.write_text(text)
    assert load_criteria(p).criterion
