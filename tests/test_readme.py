"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

from conftest import REPO


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = text.split("```sh\n")[1:]
    return [block.split("```")[0].strip() for block in blocks]


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_command = _readme_commands()[1]
    assert "pytest" in test_command
    assert test_command in ci_lines


def test_readme_main_command_lints_the_examples():
    assert _readme_commands()[0].endswith("datalint check examples/")
