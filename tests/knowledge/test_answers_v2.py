"""Answers v2 (issue #13): the topic of "X里的Y", parts of an item, measure-word nouns, medicines, containers."""

from __future__ import annotations

import pytest

from knowledge.catalogue import bundled_text, read_imported
from knowledge.context import follow_up, split_area
from knowledge.core import KnowledgeBase
from knowledge.matching import medicine_name
from knowledge.normalize import normalize
from knowledge.policy import PolicyIndex


def bins(kb: KnowledgeBase, text: str) -> list[str]:
    return [i.category for i in kb.answer(text).items]


@pytest.mark.parametrize(("text", "wrong"), [("沙发套", "大件垃圾"), ("一次性桌布一套", "大件垃圾")])
def test_a_measure_word_after_a_noun_is_part_of_the_name(kb: KnowledgeBase, text: str, wrong: str) -> None:
    assert wrong not in bins(kb, text)  # "沙发套" is a cover, not the sofa


def test_a_trailing_measure_word_after_a_number_is_still_dropped(kb: KnowledgeBase) -> None:
    assert bins(kb, "旧衣服一件") == ["可回收物"]
    assert bins(kb, "纸箱一堆") == ["可回收物"]


def test_the_topic_after_a_place_is_asked_about_not_the_place(kb: KnowledgeBase) -> None:
    answer = kb.answer("厕所里的纸篓垃圾")
    assert not any(i.query == "厕所" for i in answer.items), answer.text
    assert bins(kb, "遥控器里的电池") == ["其他垃圾"]  # a known topic after the place still answers
    assert bins(kb, "手机里的电池") == ["有害垃圾"]


@pytest.mark.parametrize(("text", "category"), [("奶茶里的珍珠", "厨余垃圾"), ("奶茶里的椰果", "厨余垃圾")])
def test_a_part_named_by_the_local_rule_of_the_item_before_it(kb: KnowledgeBase, text: str, category: str) -> None:
    assert bins(kb, text) == [category]


def test_a_follow_up_naming_a_part_of_the_last_item(kb: KnowledgeBase) -> None:
    for last in ("奶茶", "奶茶杯"):
        answer = follow_up(kb, {"query": last}, "珍珠呢")
        assert answer is not None and [i.category for i in answer.items] == ["厨余垃圾"], last
    answer = follow_up(kb, {"query": "过期药"}, "它的包装呢")
    assert answer is not None and [i.category for i in answer.items] == ["可回收物"]


PHARMA = sorted(
    {
        normalize(s)
        for e in read_imported(bundled_text("sorting-items.tsv"))
        for s in e.surfaces
        if medicine_name(normalize(s))
    }
)


def test_the_walk_finds_imported_medicines() -> None:
    assert "药膏" in PHARMA


@pytest.mark.parametrize("name", PHARMA)
def test_an_imported_medicine_gets_zhengzhous_hazardous_bin(kb: KnowledgeBase, name: str) -> None:
    assert bins(kb, name) == ["有害垃圾"], name  # 郑州办法: 废药品 is 有害垃圾, whatever the Shanghai list says


def test_the_model_does_not_answer_a_box_by_what_it_held(kb: KnowledgeBase) -> None:
    answer = kb.answer("牙膏盒")  # the carton of toothpaste is paper, not 其他垃圾 like the paste
    assert answer.intent != "sorting" or answer.items[0].category != "其他垃圾"
    assert kb.matcher._container_of_product("牙膏盒", "其他垃圾")
    assert not kb.matcher._container_of_product("农药瓶", "有害垃圾")  # a hazardous content does decide


def test_a_list_joined_by_gen_with_ge(kb: KnowledgeBase) -> None:
    assert bins(kb, "剩饭跟纸巾各扔哪个桶") == ["厨余垃圾", "其他垃圾"]


@pytest.mark.parametrize("text", ["我们庄上的烂菜叶咋整", "俺庄里剩饭往哪撂", "咱村里旧衣服搁哪"])
def test_a_village_said_with_zhuang_is_rural(text: str) -> None:
    area, rest = split_area(normalize(text))
    assert area == "rural" and rest


@pytest.mark.parametrize("text", ["我们村里", "我们村", "咱村上"])
def test_the_village_said_alone_sets_the_area(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text)
    assert answer.extra.get("command") == "set_area" and answer.extra.get("area") == "rural"


@pytest.mark.parametrize("question", ["装配式建筑归谁管", "装配式建筑由哪家单位牵头", "装配式建筑是哪个部门管"])
def test_a_question_word_is_not_read_as_the_topic(index: PolicyIndex, question: str) -> None:
    answer = index.answer(question, city=None)
    assert answer is not None and answer.extra.get("units", {}).get("lead") == ["市住建局"], question


def test_which_scenic_spots_asks_for_names_not_a_count(index: PolicyIndex) -> None:
    answer = index.answer("新密的无废景区是哪几个", city=None)
    assert answer is not None and "伏羲山红石林" in answer.text
    counted = index.answer("新密要建几个无废景区", city=None)
    assert counted is not None and "3" in counted.text


@pytest.mark.parametrize(
    ("question", "lead"), [("垃圾分类这个事是哪个部门主抓", "市城管局"), ("秸秆利用这块归哪个局分管", "市农委")]
)
def test_filler_and_verbs_of_responsibility_are_not_topics(index: PolicyIndex, question: str, lead: str) -> None:
    answer = index.answer(question, city=None)
    assert answer is not None and lead in answer.extra.get("units", {}).get("lead", []), question


def test_a_rate_is_a_plan_question_not_an_item_to_sort(kb: KnowledgeBase) -> None:
    answer = kb.answer("咱这儿垃圾回收利用率要搞到百分之多少", city="新郑市")
    assert answer.intent == "policy" and "40%" in answer.text


def test_a_part_asked_after_another_part_stays_with_the_whole(kb: KnowledgeBase) -> None:
    cup = follow_up(kb, {"query": "奶茶"}, "杯子呢")
    assert cup is not None and cup.items and cup.items[0].query == "奶茶的杯子"
    pearls = follow_up(kb, {"query": cup.items[0].query}, "珍珠呢")
    assert pearls is not None and [i.category for i in pearls.items] == ["厨余垃圾"]


def test_if_is_a_question_word_not_a_fruit(kb: KnowledgeBase) -> None:
    assert kb.answer("如果洗干净了呢").intent != "sorting"  # 如果 ends in 果 but names nothing
    answer = follow_up(kb, {"query": "外卖盒"}, "如果洗干净了呢")
    assert answer is not None and [i.category for i in answer.items] == ["可回收物"]


@pytest.mark.parametrize("said", ["我不知道", "我也不清楚啊", "真不知道"])
def test_i_dont_know_after_a_kind_question_gets_the_safest_bin(kb: KnowledgeBase, said: str) -> None:
    pending = kb.answer("电池扔哪").pending
    assert pending is not None
    answer = kb.resolve(pending, said)
    assert answer is not None and answer.items and answer.items[0].category == "有害垃圾"


def test_a_coffee_capsule_is_not_a_medicine(kb: KnowledgeBase) -> None:
    assert bins(kb, "咖啡胶囊") == ["其他垃圾"]  # only names of medicines take the 废药品 rule


@pytest.mark.parametrize("word", ["结果", "效果扔哪"])
def test_abstract_words_ending_in_guo_are_not_fruit(kb: KnowledgeBase, word: str) -> None:
    assert "厨余垃圾" not in bins(kb, word)


@pytest.mark.parametrize("text", ["含汞的灯泡", "含汞的温度计"])
def test_a_deciding_word_picks_the_kind_instead_of_asking(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text)
    assert answer.intent == "sorting" and [i.category for i in answer.items] == ["有害垃圾"], answer.text


def test_each_item_of_a_list_keeps_its_own_deciding_word(kb: KnowledgeBase) -> None:
    assert bins(kb, "有油的纸盒和干净的纸盒") == ["其他垃圾", "可回收物"]
    assert kb.answer("有油的玻璃瓶").intent != "sorting"  # greasy glass: the rule says nothing, so no guess


def test_a_question_about_the_fine_for_an_item_says_both(kb: KnowledgeBase) -> None:
    answer = kb.answer("大骨头扔错了罚款吗")
    assert answer.intent == "faq" and "50元" in answer.text
    assert [i.category for i in answer.items] == ["其他垃圾"] and "其他垃圾" in answer.text


@pytest.mark.parametrize(
    ("text", "category"), [("鸡的骨头", "厨余垃圾"), ("鱼的骨头", "厨余垃圾"), ("牛的大骨头", "其他垃圾")]
)
def test_the_animal_named_before_bones_decides_their_size(kb: KnowledgeBase, text: str, category: str) -> None:
    assert bins(kb, text) == [category]
