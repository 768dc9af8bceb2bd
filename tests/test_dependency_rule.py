"""The dependency rules (DESIGN.md): domain packages import no web, channel, CLI or scheduler code and need no
bot.dialogue to run; the web app imports no CLI code. `make lint` runs this file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.import_rule import RULES, Rule, check_all, find_violations, forbidden, module_index

ROOT = Path(__file__).resolve().parent.parent


def test_domain_packages_import_no_web_channel_cli_or_scheduler_code() -> None:
    violations = find_violations(ROOT)
    assert not violations, "the dependency rule is broken:\n" + "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.description)
def test_every_rule_holds_for_this_tree(rule: Rule) -> None:
    violations = find_violations(ROOT, rule.sources, rule.banned)
    assert not violations, f"{rule.description}:\n" + "\n".join(str(v) for v in violations)


def test_the_walk_sees_every_domain_package() -> None:
    names = module_index(ROOT)
    for package in ("knowledge.answer", "campaigns.models", "surveys.chat", "bot.dialogue", "bot.web.app"):
        assert package in names


def test_forbidden_names() -> None:
    assert forbidden("bot.web.app") and forbidden("bot.cli.admin") and forbidden("bot.cli") and forbidden("fastapi")
    assert forbidden("starlette.requests") and forbidden("telegram.ext") and forbidden("apscheduler.schedulers")
    assert not forbidden("bot.db") and not forbidden("bot.dialogue") and not forbidden("telegramish")


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checker_catches_lazy_indirect_and_relative_imports(tmp_path: Path) -> None:
    _write(tmp_path, "bot/__init__.py", "")
    _write(tmp_path, "bot/web/__init__.py", "")
    _write(tmp_path, "bot/db.py", "import sqlalchemy\n")
    _write(tmp_path, "bot/helper.py", "def go():\n    from bot.web import app\n")
    _write(tmp_path, "knowledge/__init__.py", "")
    _write(tmp_path, "knowledge/lazy.py", "import bot.db\n\n\ndef f():\n    import fastapi\n")
    _write(tmp_path, "knowledge/typed.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import telegram\n")
    _write(tmp_path, "campaigns/__init__.py", "")
    _write(tmp_path, "campaigns/indirect.py", "from bot import helper\n")
    _write(tmp_path, "surveys/__init__.py", "")
    _write(tmp_path, "surveys/rel.py", "from . import inner\n")
    _write(tmp_path, "surveys/inner.py", "class C:\n    def m(self):\n        from bot.cli.admin import main\n")

    found = {str(v) for v in find_violations(tmp_path)}

    assert "knowledge.lazy -> fastapi (line 5)" in found
    assert "campaigns.indirect -> bot.helper -> bot.web (line 2)" in found
    assert "surveys.rel -> surveys.inner -> bot.cli.admin (line 3)" in found
    assert "surveys.inner -> bot.cli.admin (line 3)" in found
    assert not any(s.startswith("knowledge.typed") for s in found)  # TYPE_CHECKING imports never run
    assert not any(s.startswith("bot.") for s in found)  # bot itself may import anything


def test_the_web_rule_catches_cli_imports_lazy_or_through_a_helper(tmp_path: Path) -> None:
    _write(tmp_path, "bot/__init__.py", "")
    _write(tmp_path, "bot/documents.py", "import csv\n")
    _write(tmp_path, "bot/reader.py", "from bot.cli import plans\n")
    _write(tmp_path, "bot/web/__init__.py", "")
    _write(tmp_path, "bot/web/admin_api/__init__.py", "")
    _write(tmp_path, "bot/web/admin_api/core.py", "def upload():\n    from bot.cli.plans import docx_text\n")
    _write(tmp_path, "bot/web/admin_api/cells.py", "from bot import reader\n")
    _write(tmp_path, "bot/web/console/__init__.py", "")
    _write(tmp_path, "bot/web/console/pages.py", "from bot.documents import read_table\n")
    _write(tmp_path, "bot/cli/__init__.py", "from bot.web import app\n")  # the CLI may import the web app

    found = {str(v) for v in check_all(tmp_path)["the web app imports no command-line code"]}

    assert "bot.web.admin_api.core -> bot.cli.plans (line 2)" in found
    assert "bot.web.admin_api.cells -> bot.reader -> bot.cli (line 1)" in found
    assert not any(s.startswith(("bot.web.console", "bot.cli ", "bot.reader")) for s in found)


def test_the_dialogue_rule_allows_type_checking_imports_only(tmp_path: Path) -> None:
    _write(tmp_path, "bot/__init__.py", "")
    _write(tmp_path, "bot/dialogue.py", "")
    _write(tmp_path, "surveys/__init__.py", "")
    _write(
        tmp_path,
        "surveys/chat.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.dialogue import Turn\n",
    )
    _write(tmp_path, "campaigns/__init__.py", "")
    _write(tmp_path, "campaigns/chat.py", "def hook(turn):\n    from bot.dialogue import Turn\n")

    found = {str(v) for v in check_all(tmp_path)["domain hooks need no bot.dialogue at run time (TYPE_CHECKING only)"]}

    assert "campaigns.chat -> bot.dialogue (line 2)" in found
    assert not any(s.startswith("surveys.") for s in found)
