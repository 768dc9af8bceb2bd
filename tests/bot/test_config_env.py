"""Settings precedence: the real environment over the .env file (./.env or WUFEI_ENV_FILE) over the defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import get_settings, load_settings

VARIABLES = ("WUFEI_PORT", "WUFEI_LOG_FORMAT", "WUFEI_CAMPAIGNS__TICK_SECONDS", "WUFEI_WECHAT__TOKEN", "WUFEI_ENV_FILE")


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Run in an empty directory with none of the variables under test set, and no cached settings."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_without_a_dot_env() -> None:
    settings = load_settings()
    assert settings.port == 8000 and settings.log_format == "text"


def test_dot_env_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# 县里的服务器\nWUFEI_PORT=8123\nWUFEI_CAMPAIGNS__TICK_SECONDS=7.5\nWUFEI_WECHAT__TOKEN='密令 token'\n"
        "OTHER_PROGRAM_SETTING=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.port == 8123
    assert settings.campaigns.tick_seconds == 7.5  # nested with "__" as in the environment
    assert settings.wechat.token.get_secret_value() == "密令 token"


def test_the_real_environment_wins_over_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("WUFEI_PORT=8123\nWUFEI_LOG_FORMAT=json\n", encoding="utf-8")
    monkeypatch.setenv("WUFEI_PORT", "9000")
    settings = load_settings()
    assert settings.port == 9000  # environment
    assert settings.log_format == "json"  # .env, not overridden


def test_wufei_env_file_points_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("WUFEI_PORT=8123\n", encoding="utf-8")
    elsewhere = tmp_path / "etc" / "wufei.env"
    elsewhere.parent.mkdir()
    elsewhere.write_text("WUFEI_PORT=8456\n", encoding="utf-8")
    monkeypatch.setenv("WUFEI_ENV_FILE", str(elsewhere))
    assert load_settings().port == 8456  # ./.env is not read then

    monkeypatch.setenv("WUFEI_ENV_FILE", "")
    assert load_settings().port == 8000  # "" = no file at all


def test_a_missing_or_bad_env_file_is_a_chinese_error_not_a_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WUFEI_ENV_FILE", str(tmp_path / "nope.env"))
    assert main(["config"]) == 2
    assert "WUFEI_ENV_FILE 指向的配置文件不存在" in capsys.readouterr().err

    bad = tmp_path / "bad.env"
    bad.write_text("WUFEI_PORT=八千\n", encoding="utf-8")
    monkeypatch.setenv("WUFEI_ENV_FILE", str(bad))
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "配置有误" in err and "WUFEI_PORT='八千'" in err and "Traceback" not in err
