"""Issue #13, round 16 (items16): what is left inside a named container is its state ("酸奶盒里还剩了点酸奶"), a container
whose name jieba glued to a state said with its contents ("用剩的油/桶"), a whole renovation board or strip, an amount
of garden waste said beside 家里, broken vacuum-flask liners, restaurant and canteen leftovers, and 粽叶."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from tests.support.items import answered


@pytest.mark.parametrize(
    ("text", "name", "category"),
    [
        ("酸奶盒里还剩了点酸奶咋扔", "酸奶盒", "其他垃圾"),
        ("酸奶杯里还有点酸奶扔哪", "酸奶盒", "其他垃圾"),
        ("洗发水瓶里还剩了点洗发水", "洗发水瓶", "其他垃圾"),
        ("花生油桶里还有点油咋办", "食用油桶", "其他垃圾"),
        ("油漆桶里还剩了点油漆", "油漆桶", "有害垃圾"),
    ],
)
def test_what_is_left_inside_a_named_container_is_its_state(
    bundled_kb: KnowledgeBase, text: str, name: str, category: str
) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "sorting", answer.text
    assert [(i.name, i.category) for i in answer.items] == [(name, category)]


def test_a_bare_holder_with_something_left_is_still_named_by_what_is_inside(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "瓶子里还剩点农药")[0] == "有害垃圾"


@pytest.mark.parametrize("text", ["用剩的油桶", "剩的食用油桶", "炸过的油桶"])
def test_a_container_is_not_swallowed_by_the_contents_named_before_it(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert [i.name for i in answer.items] == ["食用油桶"], answer.text


def test_the_oil_itself_stays_food_residue(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "用剩的油")[0] == "厨余垃圾"


@pytest.mark.parametrize("text", ["一个木方", "一根石膏线", "一块石膏板扔哪个桶", "拆下来一根踢脚线"])
def test_a_whole_board_or_strip_is_renovation_waste(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "装修垃圾"


def test_a_piece_of_rubble_is_still_the_small_amount(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "掉下来一块碎瓷砖")[0] == "其他垃圾"


@pytest.mark.parametrize("text", ["院子里好多落叶，家里放不下", "家门口的树叶好多，扔哪", "家里院子剪下来的树枝太多了"])
def test_an_amount_beside_home_is_garden_waste(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "园林垃圾"


@pytest.mark.parametrize("text", ["暖壶碎了", "保温瓶胆碎了", "暖瓶胆扔哪", "碎了的暖水瓶内胆", "茶瓶碎了咋弄"])
def test_a_broken_vacuum_flask_liner_is_not_recyclable_glass(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "其他垃圾"


def test_a_whole_flask_keeps_the_imported_answer_and_names_the_broken_case(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("旧暖瓶扔哪")
    assert answer.items[0].category == "可回收物"
    assert "其他垃圾" in answer.text


@pytest.mark.parametrize("text", ["饭店的剩菜", "食堂剩菜剩饭怎么处理", "单位食堂的剩饭", "餐馆的泔水怎么处理"])
def test_restaurant_leftovers_name_the_licensed_collector(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert answer.items[0].name == "餐厨垃圾", answer.text
    assert "有资质" in answer.text and "不要倒进小区的厨余垃圾桶" in answer.text


@pytest.mark.parametrize("text", ["粽子叶子放哪个桶", "包粽子的叶子", "吃完粽子剩的叶子"])
def test_zongzi_leaves_answer_one_bin(bundled_kb: KnowledgeBase, text: str) -> None:
    assert answered(bundled_kb, text)[0] == "其他垃圾"


def test_the_lamp_kind_question_does_not_state_led_as_settled(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("灯泡扔哪")
    assert answer.intent == "clarify"
    assert "LED 灯泡（郑州暂无明确规定" in answer.text


@pytest.mark.parametrize(
    ("text", "intent"),
    [("led deng", "clarify"), ("led deng reng na", "clarify"), ("dian chi", "clarify"), ("aa dian chi", "sorting")],
)
def test_pinyin_spells_names_with_latin_letters(bundled_kb: KnowledgeBase, text: str, intent: str) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == intent, answer.text
    assert answer.source.startswith("local_rules.yaml#"), answer.source


@pytest.mark.parametrize("text", ["diàn chí", "yì lā guàn", "dian4 chi2", "Diàn Chí reng na"])
def test_toned_pinyin_reads_the_same_after_a_second_normalisation(bundled_kb: KnowledgeBase, text: str) -> None:
    from knowledge.normalize import normalize

    once = bundled_kb.answer(text)
    twice = bundled_kb.answer(normalize(text))
    assert (once.intent, once.source) == (twice.intent, twice.source)


def test_a_metal_rice_cooker_pot_is_no_flask_liner(bundled_kb: KnowledgeBase) -> None:
    assert answered(bundled_kb, "旧电饭锅内胆掉漆了扔哪")[0] == "可回收物"


@pytest.mark.parametrize("text", ["眼霜扔哪", "过期面霜", "粉底液过期了"])
def test_the_cosmetics_question_offers_only_options_that_fit_the_item(bundled_kb: KnowledgeBase, text: str) -> None:
    answer = bundled_kb.answer(text)
    assert answer.intent == "clarify" and len(answer.choices) == 2, answer.text
    assert "指甲油" not in answer.text and "染发剂" not in answer.text


def test_cosmetics_said_in_general_still_offer_the_hazardous_kinds(bundled_kb: KnowledgeBase) -> None:
    answer = bundled_kb.answer("过期化妆品")
    assert answer.intent == "clarify" and len(answer.choices) == 3
    assert "指甲油" in answer.text


def test_a_hedged_reply_is_remembered_for_the_follow_up() -> None:
    from knowledge.answer import Answer
    from knowledge.context import remember

    hedged = Answer("clarify", "LED灯：郑州暂无明确规定…", 0.9, "local_rules.yaml#LED灯", extra={"hedged": ["LED灯"]})
    assert remember(hedged) == {"query": "LED灯", "hedged": True}  # parts17: "X的呢" reads the hedge


@pytest.mark.parametrize(("reply", "hedged"), [("LED的", True), ("led", True), ("白炽的", False), ("2", False)])
def test_led_chosen_in_the_lamp_question_is_hedged(bundled_kb: KnowledgeBase, reply: str, hedged: bool) -> None:
    asked = bundled_kb.answer("灯泡扔哪")
    assert asked.pending is not None
    answer = bundled_kb.resolve(asked.pending, reply, reply=True)
    assert answer is not None
    if hedged:
        assert answer.intent == "clarify" and not answer.items and answer.extra["hedged"] == ["LED灯"], answer.text
    else:
        assert answer.intent == "sorting" and answer.items[0].category == "其他垃圾", answer.text


def test_a_settled_kind_said_in_words_is_still_the_option(bundled_kb: KnowledgeBase) -> None:
    asked = bundled_kb.answer("电池扔哪")
    assert asked.pending is not None
    answer = bundled_kb.resolve(asked.pending, "5号的", reply=True)
    assert answer is not None and answer.items[0].category == "其他垃圾"
