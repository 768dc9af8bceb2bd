"""`Tokenizer.words` segments exactly as jieba's `lcut(text, HMM=False)` does (white space dropped), on many texts."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import segment
from knowledge.service import build_knowledge

ROOT = Path(__file__).resolve().parents[2]
EVAL_SETS = [*sorted((ROOT / "eval").glob("*.tsv")), *sorted((ROOT / "eval" / "dev").glob("*.tsv"))]
MIXED = "电池纸巾A4纸abc123 ，。！？、…（）()【】.-_%#&+~ \t\n\r\n\u3000ａｂ１２一次性塑料袋充电宝iPhone快递盒的了吗"


def _jieba(tokenizer: segment.Tokenizer, text: str) -> list[str]:
    return [t for t in tokenizer.lcut(text, HMM=False) if t.strip()]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> segment.Tokenizer:
    """The shared tokenizer after the bundled knowledge added its words (catalogue names, plan words)."""
    folder = tmp_path_factory.mktemp("segment")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        build_knowledge(session)
    return segment.shared_tokenizer()


def _eval_texts() -> list[str]:
    texts: list[str] = []
    for path in EVAL_SETS:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                texts.append(row.get("question") or row.get("message") or "")
    return texts


def test_eval_questions_segment_as_jieba_does(tokenizer: segment.Tokenizer) -> None:
    texts = _eval_texts()
    assert len(texts) > 1000
    for text in texts:
        assert tokenizer.words(text) == _jieba(tokenizer, text), text
        for cut in (len(text) // 3, len(text) // 2):  # the matcher also segments prefixes
            assert tokenizer.words(text[:cut]) == _jieba(tokenizer, text[:cut])


def test_catalogue_names_segment_as_jieba_does(tokenizer: segment.Tokenizer) -> None:
    with (ROOT / "knowledge" / "data" / "sorting-items.tsv").open(encoding="utf-8") as fh:
        names = [row["item"] for row in csv.DictReader(fh, delimiter="\t")]
    assert len(names) > 1000
    for name in names:
        assert tokenizer.words(name) == _jieba(tokenizer, name), name
        assert tokenizer.words(f"{name}是什么垃圾") == _jieba(tokenizer, f"{name}是什么垃圾")


def test_random_mixes_of_han_latin_digits_and_punctuation(tokenizer: segment.Tokenizer) -> None:
    rng = random.Random(18)
    questions = _eval_texts()
    for _ in range(3000):
        pieces = [rng.choice(MIXED) for _ in range(rng.randint(0, 12))]
        pieces.insert(rng.randint(0, len(pieces)), rng.choice(questions)[: rng.randint(0, 20)])
        text = "".join(pieces)
        assert tokenizer.words(text) == _jieba(tokenizer, text), repr(text)
    assert tokenizer.words("") == [] and tokenizer.words(" \r\n\t") == []
    assert tokenizer.words("xyz123 扔哪") == _jieba(tokenizer, "xyz123 扔哪") == ["xyz123", "扔", "哪"]


def test_a_word_added_later_changes_both_alike(tokenizer: segment.Tokenizer) -> None:
    own = segment.Tokenizer()  # a copy: the shared one stays as the knowledge left it
    own.FREQ, own.total, own.initialized = dict(tokenizer.FREQ), tokenizer.total, True
    text = "这个旧款蓝牙小音箱坏了"
    before = own.words(text)
    assert before == _jieba(own, text)
    own.add_word("蓝牙小音箱", freq=own.suggest_freq("蓝牙小音箱", False) + 2000)
    assert own.words(text) == _jieba(own, text) != before
    assert "蓝牙小音箱" in own.words(text) and "蓝牙小音箱" not in tokenizer.words(text)


def test_route_memo_follows_the_dictionary(tokenizer: segment.Tokenizer, monkeypatch: pytest.MonkeyPatch) -> None:
    own = segment.Tokenizer()
    own.FREQ, own.total, own.initialized = dict(tokenizer.FREQ), tokenizer.total, True
    text = "这个旧款蓝牙小音箱坏了"
    before = own.words(text)
    # the dictionary changed behind the tokenizer's back (not through add_word): the memo is not used
    for end in range(1, 5):
        own.FREQ.setdefault("蓝牙小音箱"[:end], 0)  # jieba keeps every prefix of a word
    own.FREQ["蓝牙小音箱"], own.total = 10**7, own.total + 10**7
    assert own.words(text) == _jieba(own, text) != before
    # a memo that starts again every few pieces segments the same
    monkeypatch.setattr(segment, "MEMO_LIMIT", 7)
    for text in _eval_texts()[:500]:
        assert own.words(text) == _jieba(own, text), text
