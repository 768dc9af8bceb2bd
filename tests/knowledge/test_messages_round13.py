"""Issue #13 round 13: a day or an hour asked after an item is when to put it out, never the item read with the
time; who fetches a thing or where to take it gets the FAQ of its stream with the item's bin; contents left in a
bottle or can; milk-tea pearls; English bin colours and pinyin frames."""

from __future__ import annotations

import pytest

from knowledge.context import follow_up, remember
from knowledge.core import KnowledgeBase
from tests.support.items import answered, bins


@pytest.mark.parametrize("said", ["那周末呢", "明天呢", "晚上呢", "下午去扔行吗", "星期六可以吗", "晚上八点以后呢"])
def test_a_time_after_an_item_asks_when_to_put_it_out(kb: KnowledgeBase, said: str) -> None:
    answer = follow_up(kb, {"query": "剩饭剩菜"}, said)
    assert answer is not None and answer.intent == "faq", answer and answer.text
    assert answer.extra["faq"] == "scheduled_drop" and answer.source != "model:ngram"
    assert [i.category for i in answer.items] == ["厨余垃圾"]  # the bin does not change with the day


def test_the_item_is_still_talked_about_after_a_time_question(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "快递纸箱"}, "明天呢")
    assert answer is not None and remember(answer) == {"query": "快递纸箱"}
    wet = follow_up(kb, remember(answer) or {}, "湿了呢")
    assert wet is not None and [i.category for i in wet.items] == ["其他垃圾"]


def test_a_time_while_a_kind_is_asked_keeps_the_question_open(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "电池"}, "明天呢")
    assert answer is not None and answer.intent == "faq" and not answer.items
    assert answer.pending is not None and answer.choices  # "哪种电池？" is still waiting for its answer


@pytest.mark.parametrize(
    ("query", "said", "faq"),
    [
        ("旧沙发", "能上门拉走吗", "bulky_waste_booking"),
        ("床垫", "周六能拉走吗", "bulky_waste_booking"),
        ("纸箱子", "有人上门收吗", "recyclables_sell"),
    ],
)
def test_who_fetches_it_gets_the_faq_of_its_stream(kb: KnowledgeBase, query: str, said: str, faq: str) -> None:
    answer = follow_up(kb, {"query": query}, said)
    assert answer is not None and answer.intent == "faq" and answer.extra["faq"] == faq, answer and answer.text
    assert len(answer.items) == 1


def test_a_fee_question_stays_with_the_item(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "旧沙发"}, "上门收要收费吗")
    assert answer is not None and answer.intent == "sorting" and "物业或社区" in answer.text


@pytest.mark.parametrize(
    ("text", "faq", "bin"),
    [
        ("旧家具能上门回收吗", "bulky_waste_booking", "大件垃圾"),
        ("废品回收站在哪里能卖纸板", "recyclables_sell", "可回收物"),
        ("旧报纸去哪卖", "recyclables_sell", "可回收物"),
    ],
)
def test_where_to_take_an_item_answers_the_question_and_its_bin(
    kb: KnowledgeBase, text: str, faq: str, bin: str
) -> None:
    answer = kb.answer(text)
    assert answer.intent == "faq" and answer.extra["faq"] == faq, answer.text
    assert [i.category for i in answer.items] == [bin]


def test_whether_the_scrap_buyer_takes_it_is_the_items_bin(kb: KnowledgeBase) -> None:
    assert answered(kb, "村里头收废品的收不收易拉罐")[0] == "可回收物"


@pytest.mark.parametrize("text", ["晚上十点以后还能扔垃圾吗", "周末能扔垃圾吗", "早上几点倒垃圾"])
def test_drop_off_hours_asked_with_a_time_of_day(kb: KnowledgeBase, text: str) -> None:
    answer = kb.answer(text)
    assert answer.intent == "faq" and answer.extra["faq"] == "scheduled_drop", answer.text


@pytest.mark.parametrize(
    ("query", "said", "expected"),
    [
        ("洗洁精瓶子", "还剩一半呢", "其他垃圾"),
        ("洗发水瓶", "用完了", "可回收物"),
        ("油桶", "里面还有好多油", "其他垃圾"),
        ("枯树叶", "要是一大车呢", "园林垃圾"),
    ],
)
def test_contents_and_amounts_said_after_the_item(kb: KnowledgeBase, query: str, said: str, expected: str) -> None:
    answer = follow_up(kb, {"query": query}, said)
    assert answer is not None and [i.category for i in answer.items] == [expected], answer and answer.text


@pytest.mark.parametrize("text", ["奶茶店的珍珠渣倒哪个桶", "珍珠渣", "奶茶里的椰果"])
def test_milk_tea_pearls_are_food_not_jewellery(kb: KnowledgeBase, text: str) -> None:
    assert bins(kb, text) == ["厨余垃圾"]


@pytest.mark.parametrize(
    ("text", "bin"),
    [
        ("can I put egg shells in the green bin", "厨余垃圾"),
        ("can i put chicken bones in the blue bin", "厨余垃圾"),  # a wrong guess gets the right bin
        ("kuai di xiang zi fang na ge tong", "可回收物"),
    ],
)
def test_english_bin_colours_and_pinyin_frames(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_pinyin_without_the_final_g_still_asks_the_battery_kind(kb: KnowledgeBase) -> None:
    assert kb.answer("wo jia de jiu dian chi ren na").intent == "clarify"


def test_a_little_is_an_amount_not_one_oclock(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "树枝"}, "一点呢")
    assert answer is not None and answer.intent == "sorting" and [i.category for i in answer.items] == ["厨余垃圾"]


@pytest.mark.parametrize("text", ["作业本写完了算什么垃圾", "作业本写满了", "旧课本写过了"])
def test_written_full_is_a_state_of_the_exercise_book(kb: KnowledgeBase, text: str) -> None:
    assert bins(kb, text) == ["可回收物"]


@pytest.mark.parametrize(
    ("text", "bin"),
    [
        ("孙子的尿不湿一天好几包扔哪", "其他垃圾"),
        ("快递箱每天十几个放哪", "可回收物"),
        ("猫砂一周一袋扔哪", "其他垃圾"),
    ],
)
def test_how_often_is_dropped_and_the_amount_kept(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin  # not the n-gram model's guess at "尿不湿一天"


def test_a_stream_with_no_faq_keeps_the_item_answer(kb: KnowledgeBase) -> None:
    answer = kb.answer("饭店里的地沟油谁来收")
    assert answer.intent == "sorting" and answer.extra.get("faq") != "scheduled_drop"


@pytest.mark.parametrize("text", ["老师说橘子皮能做肥料 放哪个桶", "橘子皮能做肥料吗", "剩菜能沤肥吗"])
def test_a_compost_claim_is_no_second_item(kb: KnowledgeBase, text: str) -> None:
    assert bins(kb, text) == ["厨余垃圾"]  # not the imported 肥料 (其他垃圾)


@pytest.mark.parametrize("said", ["在饭店呢", "我是开饭店的", "是在食堂的"])
def test_a_place_said_alone_keeps_the_item(kb: KnowledgeBase, said: str) -> None:
    answer = follow_up(kb, {"query": "剩菜"}, said)
    assert answer is not None and [i.category for i in answer.items] == ["厨余垃圾"], answer and answer.text


def test_two_kinds_as_an_either_or_are_both_answered(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "大骨头"}, "猪的还是牛的都一样吗")
    assert answer is not None and [i.category for i in answer.items] == ["其他垃圾", "其他垃圾"]  # never 牛
