"""Issue #13 §2 round 10: messy single messages — brackets, circled numbers, A-not-A questions, colour bins,
names typed in a row, corrections with the question after them, a premise before "那X也…吗"."""

from __future__ import annotations

import pytest

from knowledge.context import corrected, split_area
from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from tests.support.items import answered


def test_circled_numbers_separate_a_list_but_one_alone_is_a_choice() -> None:
    assert normalize("①纸箱②电池③瓜子壳") == "纸箱，电池，瓜子壳"
    assert normalize("②") == "2"


def test_a_remark_in_brackets_is_read_in_front_of_the_name() -> None:
    assert normalize("旧电池（手机上拆下来的）扔哪") == "手机上拆下来的旧电池，扔哪"
    assert normalize("核桃皮(硬壳)") == "硬壳的核桃皮"
    assert normalize("（在小区里）过期的降压药扔哪") == "在小区里，过期的降压药扔哪"


def test_a_not_a_questions_read_as_the_question_frame() -> None:
    assert normalize("眼药水算不算有害垃圾") == "眼药水是不是有害垃圾"
    assert normalize("尿不湿可不可以扔可回收") == "尿不湿能不能扔可回收"


def test_the_item_meant_keeps_the_question_after_it() -> None:
    assert corrected("我说的是核桃壳不是花生壳，核桃壳放哪个桶") == "核桃壳放哪个桶"
    assert corrected("我说的是花生壳不是核桃壳") == "花生壳"


def test_living_in_the_village_said_with_zai_and_zhu() -> None:
    assert split_area("在村里住的，这剩饭怎么弄") == ("rural", "这剩饭怎么弄")
    assert split_area("在村里的大喇叭说什么") == (None, "在村里的大喇叭说什么")


@pytest.mark.parametrize(
    ("said", "category"),
    [
        ("过期的眼药水算不算有害垃圾", "有害垃圾"),
        ("尿不湿可不可以扔可回收那个桶", "其他垃圾"),
        ("楼道里保洁阿姨说纸尿裤不能放可回收 那放哪", "其他垃圾"),
        ("扔鱼骨头的是绿桶还是灰桶", "厨余垃圾"),  # 灰 is the grey bin, not the imported item 灰
        ("尿不湿是扔灰桶还是绿桶", "其他垃圾"),
        ("旧电池（手机上拆下来的）扔哪", "有害垃圾"),
        ("我家iPhone电池鼓包了扔哪", "有害垃圾"),  # only a lithium cell swells
        ("电池鼓包了", "有害垃圾"),
        ("我说的是核桃壳不是花生壳 核桃壳放哪个桶", "其他垃圾"),
        ("老家乡下的 旧报纸卖不掉了放哪", "可回收物"),
        ("一大袋子落叶 小区里扫的 扔哪", "园林垃圾"),
        ("塑料的药瓶", "有害垃圾"),  # the medicine is the hazard, whatever the bottle is made of
        ("玻璃的药瓶", "有害垃圾"),
        ("用完的空药瓶（塑料的）", "有害垃圾"),
        ("吃完的黄桃罐头玻璃瓶", "可回收物"),  # names in a row ending in a container: the container
        ("转发：“电池不能随便扔，要放有害垃圾”，那充电宝也是吗", "有害垃圾"),
        ("旧电饭锅内胆掉漆了扔哪", "可回收物"),
    ],
)
def test_messy_messages_get_the_item_answer(kb: KnowledgeBase, said: str, category: str) -> None:
    assert answered(kb, said)[0] == category


def test_a_material_still_decides_a_plain_vessel(kb: KnowledgeBase) -> None:
    assert answered(kb, "塑料的碗")[0] == "可回收物"
    assert answered(kb, "铝制锅盖")[0] == "可回收物"


@pytest.mark.parametrize(
    ("said", "bins"),
    [
        ("虾壳蟹壳贝壳", ["厨余垃圾", "厨余垃圾", "其他垃圾"]),
        ("纸巾湿巾尿不湿扔哪", ["其他垃圾", "其他垃圾", "其他垃圾"]),
        ("①纸箱②电池(充电的)③瓜子壳", ["可回收物", "有害垃圾", "厨余垃圾"]),
        ("过期药，药盒子（空的纸盒），扔哪", ["有害垃圾", "可回收物"]),
    ],
)
def test_lists_without_the_usual_separators(kb: KnowledgeBase, said: str, bins: list[str]) -> None:
    answer = kb.answer(said)
    assert answer.intent == "sorting"
    assert [i.category for i in answer.items] == bins


def test_a_red_bucket_is_not_the_hazardous_bin(kb: KnowledgeBase) -> None:
    answer = kb.answer("一个红桶坏了扔哪")
    assert not any(i.category == "有害垃圾" for i in answer.items)


def test_a_question_before_the_other_item_is_still_asked(kb: KnowledgeBase) -> None:
    answer = kb.answer("电池是有害垃圾吗，那充电宝也是吗")
    assert answer.pending is not None or len(answer.items) != 1  # the first question is not dropped as a premise


def test_online_spellings_and_half_width_punctuation() -> None:
    assert normalize("俺屋里木有有害垃圾桶") == "我屋里没有有害垃圾桶"
    assert normalize("纸巾怎莫扔") == "纸巾怎么扔"
    assert normalize("旧报纸扔哪个桶鸭") == "旧报纸扔哪个桶呀"
    assert normalize("旧报纸.扔哪") == "旧报纸，扔哪"
    assert normalize("茶叶渣+咖啡渣") == "茶叶渣，咖啡渣"
    assert normalize("2.5升的油桶") == "2.5升的油桶"


@pytest.mark.parametrize(
    ("said", "category"),
    [
        ("木有见过 旧报纸咋弄", "可回收物"),  # 木 is no wood here
        ("易拉罐扔哪个桶鸭", "可回收物"),  # 鸭 is a particle, not the food
        ("工地上带回来的半块砖头家里咋扔", "其他垃圾"),  # a small amount of renovation waste at home
        ("我们村的，玉米芯子烧火用不完咋弄", "厨余垃圾"),
        ("我跟你讲我妈非要把过期的药扔到厨余垃圾里我说不对她不听你告诉我到底扔哪", "有害垃圾"),  # a dispute
        ("我问错了，不是玻璃杯，是陶瓷杯", "其他垃圾"),
    ],
)
def test_more_messy_single_items(kb: KnowledgeBase, said: str, category: str) -> None:
    assert answered(kb, said)[0] == category


def test_another_item_after_haiyou_yixie_is_listed(kb: KnowledgeBase) -> None:
    answer = kb.answer("我家有好多旧的报纸啊还有一些纸箱子都是干的放哪个桶")
    assert [i.category for i in answer.items] == ["可回收物", "可回收物"]
    assert answered(kb, "油壶里还有点剩油")[0] == "其他垃圾"  # what is left inside, not a second item


@pytest.mark.parametrize(
    ("said", "bins"),
    [
        ("我家有旧报纸啊易拉罐啊还有过期药这些咋分", ["可回收物", "可回收物", "有害垃圾"]),
        ("吃剩的鸡骨头啊鱼刺啊都扔哪", ["厨余垃圾", "厨余垃圾"]),
        ("三个易拉罐两个玻璃瓶放哪", ["可回收物", "可回收物"]),
        ("一堆菜叶子半袋剩饭怎么处理", ["厨余垃圾", "厨余垃圾"]),
    ],
)
def test_a_particle_or_a_new_count_between_names_starts_the_next_item(
    kb: KnowledgeBase, said: str, bins: list[str]
) -> None:
    assert [i.category for i in kb.answer(said).items] == bins


def test_a_count_after_the_name_belongs_to_it(kb: KnowledgeBase) -> None:
    assert answered(kb, "五号电池两节")[0] == "其他垃圾"
    assert answered(kb, "易拉罐十几个 扔哪")[0] == "可回收物"
    assert answered(kb, "修剪草坪剪下来好几袋草 咋弄")[0] == "园林垃圾"  # the amount still decides


def test_bu_shi_after_a_pause_corrects_the_item() -> None:
    assert corrected("问一下电池，哦不是，是灯管") == "灯管"
    assert corrected("过期的药 不是药，是过期的化妆品") == "过期的化妆品"
    assert corrected("烟头 不是有害垃圾，是其他垃圾吧") == "烟头 不是有害垃圾，是其他垃圾吧"  # a bin, not the item
