"""docs/operations.md: Chinese first for the office's IT staff, and every file and `wufei` command it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
CHINESE = DOC.split("# Part 2 — English", 1)[0]


def test_the_chinese_part_comes_first_and_covers_what_it_and_staff_need() -> None:
    assert DOC.index("# 第一部分 中文") < DOC.index("# Part 2 — English")
    for heading in (
        "## 1. 在全新的服务器上安装",
        "## 2. 配置：`.env` 文件和优先级",
        "## 3. nginx、HTTPS 和多个进程",
        "## 4. PostgreSQL",
        "## 5. 备份和恢复演练",
        "## 6. 升级",
        "## 7. 日志",
        "## 8. ICP 备案和微信公众号“服务器配置”",
        "## 9. 故障现象和处理",
    ):
        assert heading in CHINESE
    assert "make init" in CHINESE.split("## 6. 升级", 1)[1].split("## 7.", 1)[0]
    assert "pip install -U" not in DOC.replace("不要用 `pip install -U`", "").replace("Do not `pip install -U`", "")


def test_every_deploy_file_the_guide_names_exists() -> None:
    named = set(re.findall(r"docs/deploy/[\w@.\-]+", DOC))
    assert {"docs/deploy/wufei@.service", "docs/deploy/wufei.service", "docs/deploy/nginx-wufei.conf"} <= named
    for path in named:
        assert (ROOT / path.rstrip(".")).is_file(), path


def test_every_wufei_command_the_guide_names_exists() -> None:
    commands = set(re.findall(r"(?:bin/|`)wufei ([a-z][a-z\-]*)", DOC))
    assert {"user", "wechat", "backup", "restore", "config", "init"} <= commands
    parser = build_parser(["--help"])
    choices = next(a.choices for a in parser._actions if isinstance(a.choices, dict))  # the top-level commands
    assert not commands - set(choices), commands - set(choices)
