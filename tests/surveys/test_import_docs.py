"""The worked examples of docs/survey-imports.md (问卷星, 腾讯问卷, a plain CSV) run as written: each table or CSV
block becomes the file the example names, `wufei survey import` runs on it, and its output is the documented one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.db import session_factory, transaction
from surveys.models import SurveyAnswer, SurveyResponse

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "survey-imports.md").read_text(encoding="utf-8")
EXAMPLES = re.split(r"^## ", DOC, flags=re.M)
BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)


def section(title: str) -> str:
    """The text of the section whose heading starts with `title`."""
    return next(part for part in EXAMPLES if part.startswith(title))


def table(text: str) -> list[list[str]]:
    """The first markdown table of `text` as rows of cells (header first, `\\|` inside a cell unescaped)."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    rows = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    return [rows[0], *[r for r in rows[1:] if not set("".join(r)) <= set("-:")]]


def command_and_output(text: str) -> tuple[str, list[str]]:
    """The file named by the example's `wufei survey import` and the output lines shown under it."""
    block = next(b for b in BLOCK.findall(text) if b.startswith("wufei survey import"))
    command, *output = block.strip().splitlines()
    return command.split()[-1], output


def run(tmp_path: Path, name: str) -> list[str]:
    env = {
        **os.environ,
        "WUFEI_DATA_DIR": str(tmp_path / "data"),
        "WUFEI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "WUFEI_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "survey", "import", "public", name],
        capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]


def answers(tmp_path: Path) -> list[dict[str, list[str]]]:
    with transaction(session_factory(f"sqlite:///{tmp_path / 'cli.db'}")) as session:
        out: list[dict[str, list[str]]] = []
        for response in session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)):
            found: dict[str, list[str]] = {}
            for answer in session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)):
                found.setdefault(answer.question_id, []).append(answer.value)
            out.append(found)
    return out


@pytest.mark.parametrize("title", ["例一：问卷星", "例二：腾讯问卷"])
def test_a_spreadsheet_example_imports_with_the_documented_output(title: str, tmp_path: Path) -> None:
    text = section(title)
    name, expected = command_and_output(text)
    book = Workbook()
    for row in table(text):
        book.active.append(row)  # type: ignore[union-attr]
    book.save(tmp_path / name)
    assert sorted(run(tmp_path, name)) == sorted(expected)
    stored = answers(tmp_path)
    assert len(stored) == len(table(text)) - 1
    assert "comment" not in stored[0]  # (空) / （未填）: no answer, not a comment
    assert len(stored[0]["participation"]) == 2  # two actions, split at ┋ or |


def test_the_plain_csv_example_imports_with_the_documented_output(tmp_path: Path) -> None:
    text = section("例三")
    name, expected = command_and_output(text)
    data = next(b for b in BLOCK.findall(text) if b.startswith("publicity,"))
    (tmp_path / name).write_text(data, encoding="utf-8")
    assert sorted(run(tmp_path, name)) == sorted(expected)
    first, second = answers(tmp_path)
    assert sorted(first["participation"]) == ["less_plastic", "sorting"]  # "1,4": options by number
    assert first["township"] == ["xz_hezhuang"] and second["age_band"] == ["a60p"]
    assert second["comment"] == ["希望多设回收点"]
