"""The on-disk knowledge snapshot: a restored process answers exactly like a built one; bad files are rebuilt."""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.db import session_factory, transaction
from bot.migrate import upgrade
from knowledge import compiled, plans, segment, service
from knowledge.meta import bump_version

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    "电池是什么垃圾",
    "用过的纸巾扔哪",
    "吃剩的凉皮往哪撂啊",
    "香蕉水的瓶子",
    "suliaoping",
    "快递纸箱淋雨了",
    "量子纠缠器",
    "新郑市生活垃圾回收利用率要达到多少",
    "大件垃圾怎么预约",
    "奶茶里的珍珠",
    "陶瓷保温杯",
    "谢谢",
]
SCRIPT = """
import json, sys
from bot.db import session_factory, transaction
from knowledge import segment
from knowledge.service import build_knowledge
with transaction(session_factory(sys.argv[1])) as session:
    kb = build_knowledge(session)
questions = json.loads(sys.argv[2])
answers = [kb.answer(q).to_json() for q in questions]
tokenizer = segment.shared_tokenizer()
state = {"total": tokenizer.total, "tokens": [kb.matcher.tokenize(q) for q in questions]}
restored = getattr(tokenizer, "_parts", None) is not None
print(json.dumps({"restored": restored, "answers": answers, "state": state}))
"""
SENTENCES = [
    "电池是什么垃圾",
    "吃剩的凉皮往哪撂啊",
    "新郑市生活垃圾回收利用率要达到多少",
    "我家的旧衣服和塑料瓶子放哪里",
    "用过的一次性塑料碗，吃完带油的",
    "无废城市建设实施方案由哪个部门牵头",
]


def _database(tmp_path: Path) -> str:
    url = "sqlite:///" + str(tmp_path / "kb.db")
    upgrade(url)
    with transaction(session_factory(url)) as session:
        service.load_bundled(session, now=NOW)
        plans.ingest_bundled(session, now=NOW)
    return url


def _answer_in_new_process(url: str, cache: Path) -> dict[str, Any]:
    # one hash seed: the order catalogue words are added in (and so the dictionary) is then the same in every build
    env = {**os.environ, "WUFEI_CACHE_DIR": str(cache), "WUFEI_LOG_LEVEL": "WARNING", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, json.dumps(QUESTIONS, ensure_ascii=False)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_a_restored_process_answers_like_a_built_one_and_bad_files_are_rebuilt(tmp_path: Path) -> None:
    url = _database(tmp_path)
    cache = tmp_path / "cache"
    first = _answer_in_new_process(url, cache)  # builds; only marks the key as seen
    assert not first["restored"]
    assert not list(cache.glob("kb-*.bin"))
    second = _answer_in_new_process(url, cache)  # builds again: now the snapshot is written
    assert not second["restored"]
    [kb_file] = cache.glob("kb-*.bin")
    assert len(list(cache.glob("jieba-*.bin"))) == 1
    third = _answer_in_new_process(url, cache)
    assert third["restored"]
    assert third["answers"] == first["answers"] == second["answers"]
    assert third["state"] == first["state"] == second["state"]  # jieba's dictionary total and segmentation

    data = bytearray(kb_file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the checksum no longer matches
    kb_file.write_bytes(bytes(data))
    fourth = _answer_in_new_process(url, cache)
    assert not fourth["restored"]
    assert fourth["answers"] == first["answers"]
    assert _answer_in_new_process(url, cache)["restored"]  # the corrupt file was written again

    with transaction(session_factory(url)) as session:
        bump_version(session)  # the knowledge changed: the old snapshot is stale
    stale = _answer_in_new_process(url, cache)
    assert not stale["restored"]
    assert stale["answers"] == first["answers"]


def test_the_dictionary_read_part_by_part_segments_like_the_whole_one() -> None:
    whole = segment.shared_tokenizer()
    data = compiled._dictionary_bytes()
    size = int.from_bytes(data[:8], "little")
    total, original, added, index = marshal.loads(data[8 : 8 + size])
    parts = memoryview(data)[8 + size :]
    lazy = segment.Tokenizer()
    lazy.FREQ, lazy.total, lazy.initialized = {}, total, True
    lazy._parts = lambda ch: marshal.loads(parts[index[ch][0] : index[ch][0] + index[ch][1]]) if ch in index else {}
    assert total == whole.total and original == segment._original and added == segment._added
    for text in SENTENCES:
        assert lazy.lcut(text, HMM=False) == whole.lcut(text, HMM=False)
        assert lazy.lcut(text) == whole.lcut(text)
        assert sorted(lazy.cut_for_search(text)) == sorted(whole.cut_for_search(text))
        assert lazy.suggest_freq(text[:4], False) == whole.suggest_freq(text[:4], False)
    assert 0 < len(lazy._read) < len(index) / 10  # only the parts of the characters seen were read
    assert all(lazy.FREQ[w] == whole.FREQ[w] for w in lazy.FREQ)
