"""The traditional-character file that spares a start loading zhconv's tables matches zhconv."""

from __future__ import annotations

from zhconv.zhconv import getdict

from knowledge import normalize


def test_the_traditional_characters_are_zhconvs() -> None:
    expected = {k for k, v in getdict("zh-cn").items() if len(k) == 1 and v != k}
    assert expected == normalize._TRADITIONAL


def test_a_traditional_message_is_converted_and_a_simplified_one_kept() -> None:
    assert normalize.normalize("廢電池是什麼垃圾") == "废电池是什么垃圾"
    assert normalize.normalize("干电池是什么垃圾") == "干电池是什么垃圾"
