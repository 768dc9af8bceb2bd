"""Clean-up of what residents really type."""

import pytest

from knowledge.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("用过的纸巾扔哪个桶?", "用过的纸巾扔哪个桶"),
        ("  紙巾 是 什麼垃圾？？🤔", "纸巾是什么垃圾"),
        ("ＡＢＣ塑料袋！！", "abc塑料袋"),
        ("塑料 瓶", "塑料瓶"),
        ("电池,纸巾", "电池，纸巾"),
        ("iphone x 怎么扔", "iphone x 怎么扔"),
        ("🗑️🗑️", ""),
        ("", ""),
    ],
)
def test_normalize_cleans_typing_noise(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_caps_very_long_messages() -> None:
    assert len(normalize("纸巾" * 10_000)) == 500
