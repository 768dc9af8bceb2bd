"""The matcher's rules on a small catalogue: head-final names, modifiers, typos, calibrated confidence."""

import pytest

from knowledge.catalogue import merge, read_imported, read_local_rules
from knowledge.matching import ANSWER_THRESHOLD, Matcher
from knowledge.normalize import normalize

IMPORTED = """item\tcategory
纸巾\t其他垃圾
塑料瓶\t可回收物
塑料瓶盖\t可回收物
瓶盖\t可回收物
塑料\t可回收物
牙刷\t其他垃圾
塑料袋\t其他垃圾
凳子\t大件垃圾
牙膏\t其他垃圾
台灯\t可回收物
充电宝\t可回收物
小米\t厨余垃圾
電池\t有害垃圾
"""
RULES = """
- name: 电池
  category: 有害垃圾
  reason: r
  source: s
  kinds:
    question: 哪种电池？
    options:
      - {label: 普通干电池, words: [干电池, 5号, 碱性], category: 其他垃圾}
      - {label: 充电电池, words: [充电, 锂, 纽扣], category: 有害垃圾}
- name: 充电宝
  category: 有害垃圾
  reason: r
  source: s
- name: 快递纸箱
  aliases: [纸箱]
  category: 可回收物
  reason: r
  source: s
  conditions:
    - {when: 干净、干燥, words: [干净, 干燥], category: 可回收物, default: true}
    - {when: 有油污或受潮, words: [油, 湿, 脏], category: 其他垃圾}
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(merge(read_imported(IMPORTED), read_local_rules(RULES)))


def first(matcher: Matcher, text: str):
    found = matcher.find(normalize(text))
    assert found, text
    return found[0]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("用过的纸巾扔哪个桶?", "纸巾"),
        ("纸巾是什么垃圾", "纸巾"),
        ("请问一下纸巾属于哪一类呢", "纸巾"),
        ("塑料瓶盖可以回收吗", "塑料瓶盖"),
        ("塑料瓶怎么处理", "塑料瓶"),
        ("坏掉的台灯", "台灯"),
        ("紙巾", "纸巾"),
        ("纸巾是干垃圾还是湿垃圾", "纸巾"),
    ],
)
def test_item_is_found_whatever_the_question_around_it(matcher: Matcher, text: str, name: str) -> None:
    f = first(matcher, text)
    assert f.entry is not None and f.entry.name == name
    assert f.confidence >= 0.85


def test_most_specific_name_wins(matcher: Matcher) -> None:
    assert first(matcher, "塑料瓶盖").entry.name == "塑料瓶盖"  # type: ignore[union-attr]
    assert first(matcher, "充电电池").option.label == "充电电池"  # type: ignore[union-attr]


def test_unknown_brand_before_the_head_is_answered_with_lower_confidence(matcher: Matcher) -> None:
    f = first(matcher, "小米充电宝")
    assert f.entry is not None and f.entry.name == "充电宝"
    assert ANSWER_THRESHOLD <= f.confidence < 0.9


def test_a_word_that_may_change_the_bin_is_not_trusted(matcher: Matcher) -> None:
    f = first(matcher, "木头台灯")  # 竹木 says 其他垃圾, the head 台灯 says 可回收物: neither is trusted
    assert f.entry is not None and f.entry.name == "台灯"
    assert not f.answered


def test_a_power_word_moves_the_answer_to_the_appliance_rule(matcher: Matcher) -> None:
    f = first(matcher, "电动牙刷")  # 牙刷 is 其他垃圾, an electric one is a small appliance (可回收物)
    assert f.answered and f.how == "rule" and f.entry is not None and f.entry.category == "可回收物"


def test_a_known_name_that_is_not_the_head_is_not_answered(matcher: Matcher) -> None:
    f = first(matcher, "牙膏皮扔哪")
    assert not f.answered
    assert f.how == "contains"


def test_homophone_typo_is_read_as_the_item(matcher: Matcher) -> None:
    f = first(matcher, "塑料代是什么垃圾")
    assert f.entry is not None and f.entry.name == "塑料袋"
    assert f.how == "homophone" and f.answered


def test_traditional_names_in_the_data_are_matched_in_simplified(matcher: Matcher) -> None:
    assert first(matcher, "电池").entry.name == "电池"  # type: ignore[union-attr]


def test_ambiguous_item_needs_a_kind_unless_the_words_decide(matcher: Matcher) -> None:
    assert first(matcher, "电池扔哪").needs_kind
    f = first(matcher, "5号电池扔哪")
    assert not f.needs_kind and f.option is not None and f.option.category == "其他垃圾"


def test_condition_is_assumed_or_read_from_the_question(matcher: Matcher) -> None:
    assumed = first(matcher, "快递纸箱")
    assert assumed.condition is not None and assumed.condition.default and not assumed.condition_stated
    stated = first(matcher, "有油的纸箱")
    assert stated.condition is not None and stated.condition.category == "其他垃圾" and stated.condition_stated


def test_several_items_in_one_message(matcher: Matcher) -> None:
    names = [f.entry.name for f in matcher.find(normalize("电池和纸巾分别扔哪")) if f.entry]
    assert names == ["电池", "纸巾"]


def test_nothing_known_gives_no_answer(matcher: Matcher) -> None:
    f = first(matcher, "量子纠缠器扔哪")
    assert f.entry is None and not f.answered
    assert f.query == "量子纠缠器"


@pytest.mark.parametrize("text", ["", "？？？", "🙂", "的的的", "123"])
def test_empty_or_noise_finds_nothing(matcher: Matcher, text: str) -> None:
    assert matcher.find(normalize(text)) == []
