"""The `wufei` command run as a real process: ask (single and batch), chat, init, unanswered, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CATEGORIES = {"可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "大件垃圾", "装修垃圾", "园林垃圾", "非生活垃圾"}
INTENTS = {"sorting", "policy", "faq", "command", "smalltalk", "clarify", "unknown"}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli")
    return {
        **os.environ,
        "WUFEI_DATA_DIR": str(data),
        "WUFEI_DATABASE_URL": f"sqlite:///{data / 'cli.db'}",
        "WUFEI_LOG_LEVEL": "WARNING",
    }


def wufei(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_init_is_idempotent_and_ask_answers_in_chinese(env: dict[str, str]) -> None:
    for _ in range(2):
        done = wufei(env, "init")
        assert done.returncode == 0, done.stderr
        assert "数据库已就绪" in done.stdout
    done = wufei(env, "ask", "用过的纸巾扔哪个桶?")
    assert done.returncode == 0, done.stderr
    assert "其他垃圾" in done.stdout


def test_ask_json_has_the_documented_fields(env: dict[str, str]) -> None:
    done = wufei(env, "ask", "--json", "--area", "rural", "香蕉皮")
    answer = json.loads(done.stdout)
    assert answer["intent"] == "sorting" and answer["intent"] in INTENTS
    assert set(answer) >= {"intent", "items", "confidence", "text", "source"}
    item = answer["items"][0]
    assert set(item) >= {"name", "query", "category", "condition", "rural"}
    assert item["category"] in CATEGORIES and item["category"] == "厨余垃圾"
    assert item["rural"] == "会烂的"
    assert 0 <= answer["confidence"] <= 1


def test_batch_mode_answers_every_line_in_order(env: dict[str, str]) -> None:
    questions = ["纸巾", "", "充电电池", "你好", "量子纠缠器扔哪", "🙂", "塑料瓶"] * 300
    done = wufei(env, "ask", "--json", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(questions)
    answers = [json.loads(line) for line in lines]
    assert answers[0]["items"][0]["category"] == "其他垃圾"
    assert answers[2]["items"][0]["category"] == "有害垃圾"
    assert answers[3]["intent"] == "smalltalk"
    assert answers[4]["intent"] == "unknown"
    assert answers[-1]["items"][0]["category"] == "可回收物"
    unanswered = wufei(env, "kb", "unanswered", "--json")
    rows = json.loads(unanswered.stdout)
    assert any(r["text"] == "量子纠缠器" and r["count"] >= 300 for r in rows)


def test_chat_keeps_the_clarification_between_lines(env: dict[str, str]) -> None:
    done = wufei(env, "chat", stdin="电池\n2\n退出\n")
    assert done.returncode == 0, done.stderr
    assert "哪种电池" in done.stdout
    assert "有害垃圾" in done.stdout


def test_bad_database_url_is_a_clear_error_with_non_zero_exit(env: dict[str, str], tmp_path: Path) -> None:
    bad = {**env, "WUFEI_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    done = wufei(bad, "ask", "纸巾")
    assert done.returncode != 0
    assert "错误" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_command_exits_non_zero(env: dict[str, str]) -> None:
    done = wufei(env, "frobnicate")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr or "无效" in done.stderr


def test_every_help_page_prints(env: dict[str, str]) -> None:
    for args in (["--help"], ["kb", "--help"], ["campaign", "--help"], ["cells", "--help"], ["survey", "--help"],
                 ["indicators", "--help"], ["telegram", "--help"], ["segments", "--help"], ["ask", "--help"]):  # fmt: skip
        done = wufei(env, *args)
        assert done.returncode == 0, (args, done.stderr[-300:])
        assert "usage: wufei" in done.stdout


def test_ask_imports_neither_the_web_app_nor_a_feature_group(env: dict[str, str]) -> None:
    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "code = main(['ask', '纸巾'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('bot.web', 'fastapi', 'telegram', 'openpyxl'))"
        " or m in {'bot.cli.admin', 'bot.cli.campaigns', 'bot.cli.surveys', 'bot.cli.ops', 'bot.cli.wechat'})\n"
        "print('LOADED', loaded, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert "LOADED [] 0" in done.stdout


def test_the_console_script_points_at_the_package_entry_point() -> None:
    from importlib.metadata import entry_points

    from bot import cli

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "wufei"]
    assert script.value == "bot.cli:main"
    assert script.load() is cli.main
