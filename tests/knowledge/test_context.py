"""Messages typed the way residents type, and follow-ups read with the item talked about (issue #13 §2)."""

from __future__ import annotations

import pytest

from knowledge.context import follow_up, is_choice_reply, reask, remember, split_area
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from knowledge.pinyin import PinyinReader


def bins(kb: KnowledgeBase, text: str, **kw: str) -> list[str]:
    return [i.category for i in kb.answer(text, **kw).items]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("🍌皮扔哪", "香蕉皮扔哪"),
        ("电池🔋扔哪里呀", "电池扔哪里呀"),  # an emoji beside its own word adds nothing
        ("🌡️打碎了", "温度计打碎了"),
        ("Plastic bottles?", "塑料瓶"),
        ("egg shells", "蛋壳"),
        ("sù liào píng", "su liao ping"),
        ("俺家剩饭往哪撂", "我家剩饭往哪扔"),
        ("就是说那个纸巾", "那个纸巾"),
    ],
)
def test_normalize_reads_emoji_english_tones_and_dialect(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("俺家剩饭咋整", ["厨余垃圾"]),
        ("旧衣裳搁哪", ["可回收物"]),
        ("过期的药扔这个桶中不中", ["有害垃圾"]),
        ("那个 就是说 用过的纸巾扔哪个桶", ["其他垃圾"]),
        ("suliaoping", ["可回收物"]),
        ("kou zhao reng na", ["其他垃圾"]),
        ("sù liào píng", ["可回收物"]),
        ("banana peel", ["厨余垃圾"]),
        ("where to throw used tissue", ["其他垃圾"]),
        ("📦扔哪", ["可回收物"]),
        ("💊过期了扔哪", ["有害垃圾"]),
        ("易拉罐、报纸、玻璃瓶分别扔哪", ["可回收物", "可回收物", "可回收物"]),
        ("剩饭，菜叶，鸡骨头一起扔哪", ["厨余垃圾", "厨余垃圾", "厨余垃圾"]),
        ("干净的快递纸箱和沾了油的外卖餐盒扔哪", ["可回收物", "其他垃圾"]),
    ],
)
def test_messy_messages_get_the_right_bin(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert bins(kb, text) == expected


def test_a_pinyin_spelling_shared_by_two_bins_is_not_guessed(kb: KnowledgeBase) -> None:
    answer = kb.answer("xiangjiao")  # 香蕉 (厨余) or 橡胶 (可回收)
    assert answer.intent != "sorting"


def test_pinyin_reader_leaves_english_alone() -> None:
    reader = PinyinReader(["塑料瓶", "香蕉皮"], rank=len, kind=lambda n: None)
    assert reader.read("su liao ping") == "塑料瓶"
    assert reader.read("hello") == "hello"
    assert reader.read("suliaoping bottle") == "塑料瓶 bottle"  # only the pieces that spell known words


@pytest.mark.parametrize(
    ("text", "area", "rest"),
    [
        ("我住村里，剩饭怎么弄", "rural", "剩饭怎么弄"),
        ("我们村里塑料瓶往哪扔", "rural", "塑料瓶往哪扔"),
        ("我是农村，烂菜叶子怎么整", "rural", "烂菜叶子怎么整"),
        ("我住城里 电池扔哪", "urban", "电池扔哪"),
        ("村里的大喇叭说什么", None, "村里的大喇叭说什么"),
        ("我在农村", None, "我在农村"),  # the whole message is the setting: a command, not a clause
    ],
)
def test_split_area_finds_where_the_resident_lives(text: str, area: str | None, rest: str) -> None:
    assert split_area(text) == (area, rest)


def test_area_said_in_the_message_answers_in_rural_terms_and_is_remembered(kb: KnowledgeBase) -> None:
    answer = kb.answer("俺是农村嘞，烂菜叶子咋整")
    assert answer.items[0].category == "厨余垃圾" and answer.items[0].rural == "会烂的"
    assert "会烂" in answer.text
    assert answer.extra["command"] == "set_area" and answer.extra["area"] == "rural"


@pytest.mark.parametrize(
    ("last", "said", "category"),
    [
        ("薯片", "那个袋子呢", "其他垃圾"),
        ("外卖餐盒", "已经洗过了", "可回收物"),
        ("塑料袋", "有油的", "其他垃圾"),
        ("电池", "锂的", "有害垃圾"),
        ("快递纸箱", "湿了", "其他垃圾"),
        ("泡面", "那桶呢", "其他垃圾"),
        ("香蕉", "皮呢", "厨余垃圾"),
    ],
)
def test_a_follow_up_is_read_with_the_last_item(kb: KnowledgeBase, last: str, said: str, category: str) -> None:
    answer = follow_up(kb, {"query": last}, said)
    assert answer is not None and answer.items and answer.items[0].category == category


@pytest.mark.parametrize("said", ["纸巾扔哪", "谢谢", "你好", "2", "量子纠缠器", "电池坏了"])
def test_a_message_that_stands_on_its_own_is_not_a_follow_up(kb: KnowledgeBase, said: str) -> None:
    assert follow_up(kb, {"query": "薯片"}, said) is None


def test_an_out_of_range_choice_or_none_of_them_asks_again(kb: KnowledgeBase) -> None:
    pending = kb.answer("电池").pending
    assert pending is not None
    for said in ("5", "第三个", "都不是"):
        answer = reask(kb, pending, said)
        assert answer is not None and answer.intent == "clarify" and answer.pending == pending
        assert len(answer.choices) == 2 and "1" in answer.text
    assert reask(kb, pending, "纸巾扔哪") is None


def test_choice_replies_and_what_is_remembered(kb: KnowledgeBase) -> None:
    assert all(is_choice_reply(t) for t in ("2", "第一个", "三", "都不是"))
    assert not any(is_choice_reply(t) for t in ("2号电池", "纸巾", "中"))
    assert remember(kb.answer("薯片扔哪")) == {"query": "薯片"}
    assert remember(kb.answer("电池")) == {"query": "电池"}
    assert remember(kb.answer("你好")) is None


@pytest.mark.parametrize(
    ("last", "said", "fragment"),
    [
        ("塑料瓶", "是可回收的吗", "可以回收"),
        ("纸巾", "能回收吗", "不属于可回收物"),
        ("易拉罐", "能卖钱吗", "可回收物"),
    ],
)
def test_a_yes_no_question_after_an_item_is_about_that_item(
    kb: KnowledgeBase, last: str, said: str, fragment: str
) -> None:
    answer = follow_up(kb, {"query": last}, said)
    assert answer is not None and answer.items and fragment in answer.text


def test_a_category_question_after_an_item_stays_a_category_question(kb: KnowledgeBase) -> None:
    assert follow_up(kb, {"query": "薯片"}, "有害垃圾有哪些") is None


def test_a_state_after_a_part_answer_is_read_against_the_owner(kb: KnowledgeBase) -> None:
    part = follow_up(kb, {"query": "过期药"}, "盒子呢")
    assert part is not None and [i.category for i in part.items] == ["可回收物"]
    last = remember(part)
    assert last is not None and last["owner"] == "过期药"
    state = follow_up(kb, last, "那它过期了呢")
    assert state is not None and [i.category for i in state.items] == ["有害垃圾"]
    assert state.extra["about"] == "过期药"  # the medicine is the context again, not its box


def test_a_bag_no_name_joins_is_answered_alone_and_keeps_its_owner(kb: KnowledgeBase) -> None:
    bag = follow_up(kb, {"query": "感冒药"}, "袋子呢")
    assert bag is not None and bag.extra["owner"] == "感冒药"
    assert remember(bag) == {"query": "袋子", "owner": "感冒药"}


def test_a_kind_chosen_is_remembered_and_answers_the_state_said_next(kb: KnowledgeBase) -> None:
    question = kb.answer("杯子扔哪")
    assert question.pending is not None
    chosen = kb.resolve(question.pending, "陶瓷的")
    assert chosen is not None and chosen.extra["kind"] == {"entry": "杯子", "option": 2}
    last = remember(chosen)
    assert last is not None and last["kind"] == {"entry": "杯子", "option": 2}
    broken = follow_up(kb, last, "碎了呢")
    assert broken is not None and broken.intent == "sorting" and [i.category for i in broken.items] == ["其他垃圾"]
    assert follow_up(kb, {"query": "杯子"}, "碎了呢").intent == "clarify"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "said", "expected"),
    [
        ("纸箱子", "要是沾上菜汤了呢", "其他垃圾"),  # 菜汤 is the stain, not an item of its own (厨余)
        ("纸盒", "那沾了剩菜的呢", "其他垃圾"),
        ("报纸", "上面溅了好多油呢", "其他垃圾"),
        ("塑料盒", "里面粘了酸奶", "其他垃圾"),
        ("食用油桶", "还有一半油", "其他垃圾"),  # what is left: the rule's own state reads it first
    ],
)
def test_what_got_on_the_item_is_a_state_of_it(kb: KnowledgeBase, query: str, said: str, expected: str) -> None:
    answer = follow_up(kb, {"query": query}, said)
    assert answer is not None and [i.category for i in answer.items] == [expected], answer and answer.text


def test_a_stain_no_rule_reads_is_an_honest_doubt_about_the_item_not_the_stain(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "旧衣服"}, "要是沾了油漆呢")  # not 油漆's 有害垃圾
    assert answer is not None and answer.intent == "unknown" and not answer.items
    assert "沾了油漆的旧衣服" in answer.text


def test_what_is_left_in_a_carton_is_not_asked_about_as_an_item(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "牛奶盒"}, "里面还有奶没喝完")
    # the carton still holds milk: pour it out, then rinsed or not decides (round 13), never 奶 as a new item
    assert answer is not None and answer.intent == "clarify", answer.text
    assert [c.payload["category"] for c in answer.choices] == ["可回收物", "其他垃圾"]
    assert not answer.extra.get("unknown") and "不确定" not in answer.text


@pytest.mark.parametrize(
    ("query", "said", "expected"),
    [
        ("树枝", "就几根，阳台剪的", "厨余垃圾"),  # the 枯枝落叶 rule's own words 几根, 阳台
        ("枯树枝", "就两三根，盆栽里的", "厨余垃圾"),  # 盆栽 is where they came from, not a new item
        ("落叶", "要是院子里扫了三袋呢", "园林垃圾"),
    ],
)
def test_an_amount_or_origin_the_rule_reads_is_said_of_the_item(
    kb: KnowledgeBase, query: str, said: str, expected: str
) -> None:
    answer = follow_up(kb, {"query": query}, said)
    assert answer is not None and [i.category for i in answer.items] == [expected], answer and answer.text


@pytest.mark.parametrize("said", ["要钱不", "清运要花钱不", "上门收要收费吗", "那收费不", "收不收费"])
def test_a_cost_question_answers_the_item_again_and_leaves_the_fee_to_the_community(
    kb: KnowledgeBase, said: str
) -> None:
    answer = follow_up(kb, {"query": "旧床垫"}, said)
    assert answer is not None and [i.category for i in answer.items] == ["大件垃圾"]
    assert "物业或社区" in answer.text


def test_an_unwashed_container_is_soiled(kb: KnowledgeBase) -> None:
    assert bins(kb, "没洗过的塑料盒子") == ["其他垃圾"]
    answer = follow_up(kb, {"query": "酸奶盒"}, "没洗")
    assert answer is not None and [i.category for i in answer.items] == ["其他垃圾"]


@pytest.mark.parametrize(
    ("query", "said"), [("布洛芬", "那个铝塑板呢"), ("消炎药", "铝箔板呢"), ("感冒胶囊", "那铝塑板呢")]
)
def test_a_part_is_read_in_the_sense_the_item_gives_it(kb: KnowledgeBase, query: str, said: str) -> None:
    answer = follow_up(kb, {"query": query}, said)  # the medicine's blister, not the building panel (装修垃圾)
    assert answer is not None and [i.category for i in answer.items] == ["有害垃圾"], answer and answer.text


def test_a_part_said_after_another_item_is_its_own_thing(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "瓷砖"}, "铝塑板呢")
    assert answer is None or [i.category for i in answer.items] == ["装修垃圾"]


def test_a_thing_stained_with_a_hazardous_substance_is_not_answered_as_plainly_soiled(kb: KnowledgeBase) -> None:
    answer = follow_up(kb, {"query": "塑料瓶"}, "瓶子上沾了机油呢")  # not 其他垃圾 as a greasy bottle
    assert answer is not None and answer.intent == "unknown" and not answer.items
    kept = follow_up(kb, {"query": "油漆桶"}, "还有半桶油漆")  # the paint can is 有害垃圾 with or without it
    assert kept is not None and [i.category for i in kept.items] == ["有害垃圾"]
