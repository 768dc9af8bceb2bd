"""docs/operations.md carries the configuration reference exactly as `wufei config --markdown` prints it now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.cli.ops import config_markdown
from bot.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_configuration_reference_in_the_operations_guide_is_current() -> None:
    doc = DOC.read_text(encoding="utf-8")
    section = doc.split("<!-- config:begin -->\n", 1)[1].split("<!-- config:end -->", 1)[0]
    assert section == config_markdown(), "run `wufei config --markdown` and paste its output into docs/operations.md"


def test_every_setting_is_in_the_reference_with_a_description() -> None:
    reference = config_markdown()
    for name in Settings.model_fields:
        assert f"`WUFEI_{name.upper()}" in reference
    rows = [line for line in reference.splitlines() if line.startswith("| `WUFEI_")]
    assert "| `WUFEI_CHAT__RATE_PER_MINUTE` | int | `30` | answers per resident per minute" in reference
    assert all(not row.endswith("|  |") for row in rows), [r for r in rows if r.endswith("|  |")]


def test_wufei_config_prints_the_reference_without_touching_a_database(tmp_path: Path) -> None:
    env = {**os.environ, "WUFEI_DATA_DIR": str(tmp_path), "WUFEI_TELEGRAM__TOKEN": "123:secret"}
    env.pop("WUFEI_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "config", "--markdown"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == config_markdown()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "config"], capture_output=True, text=True, env=env, timeout=60
    )
    assert "WUFEI_TELEGRAM__TOKEN=******" in done.stdout and "123:secret" not in done.stdout
    assert not list(tmp_path.iterdir())  # no database was created
