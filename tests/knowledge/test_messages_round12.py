"""Issue #13 round 12: a stain said after a name (沾了油), couriers and coffee chains before a name, two names ending
in the same part typed without a separator, a space list after an opening word, Henan food words, battery brands
with a size in digits, and a state word that is no packaging question."""

from __future__ import annotations

import pytest

from knowledge.core import KnowledgeBase
from knowledge.normalize import normalize
from tests.support.items import answered, bins


@pytest.mark.parametrize(
    ("text", "name"),
    [("保鲜膜沾了油扔哪", "保鲜膜"), ("塑料袋沾了油扔哪", "塑料袋"), ("保鲜膜沾油了", "保鲜膜")],
)
def test_a_stain_after_the_name_is_a_clause_not_part_of_the_name(kb: KnowledgeBase, text: str, name: str) -> None:
    answer = kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].category == "其他垃圾", answer.text
    assert answer.items[0].name == name


def test_tape_stuck_on_a_carton_does_not_make_the_carton_soiled(kb: KnowledgeBase) -> None:
    # 粘了胶带 names the tape; only 沾 (a stain) is read as the end of the name
    answer = kb.answer("纸箱粘了胶带")
    assert not any(i.name == "快递纸箱" and i.category == "其他垃圾" for i in answer.items), answer.text


@pytest.mark.parametrize(
    ("text", "bin"),
    [("中通快递袋子脏了扔哪", "其他垃圾"), ("顺丰快递箱", "可回收物"), ("拆完的顺丰快递箱子扔哪", "可回收物")],
)
def test_a_courier_before_the_name_is_who_shipped_it(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_a_courier_bag_with_its_state_unsaid_still_asks(kb: KnowledgeBase) -> None:
    answer = kb.answer("中通快递袋")
    assert answer.intent == "clarify" and "中通" in answer.text  # 中 is no longer cut off as a word of its own


def test_a_coffee_chain_cup_is_a_takeaway_cup(kb: KnowledgeBase) -> None:
    assert answered(kb, "库迪咖啡杯") == ("其他垃圾", "generalise.yaml#快餐奶茶包装")
    assert kb.answer("咖啡杯").intent != "sorting"  # a mug of unknown material is still no guess


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("🍉皮🍌皮都扔厨余对吧", ["厨余垃圾", "厨余垃圾"]),
        ("核桃壳花生壳", ["其他垃圾", "厨余垃圾"]),
        ("虾壳蟹壳扔哪", ["厨余垃圾", "厨余垃圾"]),
    ],
)
def test_two_names_ending_in_the_same_part_are_two_items(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert bins(kb, text) == expected


def test_an_opening_word_before_a_space_list_is_not_a_name() -> None:
    assert normalize("请问 葱叶子 蒜皮 扔哪").endswith("葱叶子、蒜皮、扔哪")
    assert "、" not in normalize("请问 我家 旧书扔哪")  # two runs after the opening word are no list


def test_a_space_list_after_an_opening_word_answers_each(kb: KnowledgeBase) -> None:
    assert bins(kb, "请问 葱叶子 蒜皮 扔哪") == ["厨余垃圾", "厨余垃圾"]


@pytest.mark.parametrize(
    ("text", "bin"),
    [
        ("鸡子壳", "厨余垃圾"),  # 河南话 鸡子 = 鸡蛋
        ("早上打的鸡子壳扔哪个桶嘞", "厨余垃圾"),
        ("落生壳算厨余不算", "厨余垃圾"),  # 落生 = 花生
        ("剩扁食", "厨余垃圾"),  # 扁食 = 饺子
        ("感康", "有害垃圾"),
        ("南孚1号", "其他垃圾"),
        ("南孚5号", "其他垃圾"),
    ],
)
def test_henan_words_medicine_brands_and_battery_sizes(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_a_dry_battery_by_brand_and_a_power_bank_in_one_message(kb: KnowledgeBase) -> None:
    assert bins(kb, "南孚5号跟充电宝一起扔可以不") == ["其他垃圾", "有害垃圾"]


def test_unpacking_a_parcel_still_gets_the_packaging_faq(kb: KnowledgeBase) -> None:
    assert kb.answer("拆完快递的东西咋处理").intent == "faq"


@pytest.mark.parametrize(("text", "name"), [("擤鼻涕的纸往哪撂", "鼻涕纸"), ("卫生间的纸", "卫生间纸")])
def test_a_word_and_a_one_character_name_with_de_between_are_the_listed_name(
    kb: KnowledgeBase, text: str, name: str
) -> None:
    answer = kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].name == name, answer.text
    assert answer.items[0].category == "其他垃圾"


@pytest.mark.parametrize("text", ["沾了油的纸", "吃完泡面的纸桶扔哪 汤已经倒了"])
def test_a_state_or_part_of_a_word_before_de_is_no_longer_name(kb: KnowledgeBase, text: str) -> None:
    # 沾了油 is the paper's state (not 油纸); 泡面's last character is no 面纸
    answer = kb.answer(text)
    assert not any(i.name in ("油纸", "面纸") for i in answer.items), answer.text


def test_a_name_typed_by_sound_with_zi_after_it(kb: KnowledgeBase) -> None:
    answer = kb.answer("螺丝壳子扔哪个桶")  # 螺丝 (a screw) typed for 螺蛳, then 壳子
    assert answer.intent == "sorting" and answer.items[0].name == "螺蛳壳", answer.text
    assert answer.items[0].category == "其他垃圾"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("烟头儿", "烟头"),
        ("菜叶儿", "菜叶"),
        ("鱼刺儿", "鱼刺"),
        ("剩菜行不", "剩菜行不行"),
        ("剩菜倒进下水道行不", "剩菜扔行不行"),
    ],
)
def test_erhua_a_short_xing_bu_and_a_drain_are_read_away(typed: str, meant: str) -> None:
    assert normalize(typed) == meant


@pytest.mark.parametrize("text", ["这样行不通", "剩菜行不行", "旧马桶扔哪", "女儿", "哪儿"])
def test_words_that_only_look_alike_stay(text: str) -> None:
    assert normalize(text) == text


def test_the_drain_a_medicine_is_poured_into_is_not_the_item(kb: KnowledgeBase) -> None:
    # 马桶 alone is renovation waste; poured into it, the medicine is the item
    assert answered(kb, "我妈说过期药倒马桶就行，真的假的")[0] == "有害垃圾"
    assert answered(kb, "旧马桶扔哪")[0] == "装修垃圾"


def test_pinyin_with_tone_marks_is_not_read_as_english(kb: KnowledgeBase) -> None:
    # "cān" without its tone is the English "can" (易拉罐)
    assert answered(kb, "cān jīn zhǐ rēng nǎ")[0] == "其他垃圾"
    assert answered(kb, "old can")[0] == "可回收物"


@pytest.mark.parametrize(
    ("text", "bin"),
    [("yao pian guo qi le zen me reng", "有害垃圾"), ("expired eye drops", "有害垃圾"), ("免洗筷", "其他垃圾")],
)
def test_spaced_pinyin_with_le_english_medicine_and_a_taiwan_word(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_a_last_character_typed_as_a_filler_word(kb: KnowledgeBase) -> None:
    # 想 (a filler when it is "want") typed for 箱: 快递纸箱, not the listed 快递纸 (其他垃圾)
    answer = kb.answer("快递纸想")
    assert answer.intent == "sorting" and answer.items[0].name == "快递纸箱", answer.text
    assert answer.items[0].category == "可回收物"
    assert answered(kb, "旧报纸想问")[0] == "可回收物"  # a filler that spells nothing longer changes nothing


@pytest.mark.parametrize(
    ("text", "bin"),
    [
        ("💐枯了扔哪", "厨余垃圾"),  # 枯 after the name is its state, like 烂 or 坏
        ("dead flowers 扔哪个桶", "厨余垃圾"),
        ("where do I throw instant noodle cups", "其他垃圾"),
    ],
)
def test_withered_flowers_and_instant_noodle_cups(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


@pytest.mark.parametrize(
    ("text", "bin"),
    [("过期药 3盒 扔哪", "有害垃圾"), ("易拉罐3个", "可回收物"), ("wo xiang wen xia yan tou reng na", "其他垃圾")],
)
def test_a_count_in_digits_after_the_name_and_a_pinyin_preamble(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_two_hair_names_typed_together_are_two_items(kb: KnowledgeBase) -> None:
    assert bins(kb, "猫毛狗毛扔哪") == ["其他垃圾", "其他垃圾"]
    assert len(kb.answer("鸭毛鸡毛").items) == 1  # the imported list names the pair as one thing


@pytest.mark.parametrize(
    ("text", "bin"),
    [("电池扔哪，手机上的", "有害垃圾"), ("电池扔哪，遥控器里的", "其他垃圾"), ("灯管咋扔？日光灯的", "有害垃圾")],
)
def test_the_kind_said_in_a_clause_after_the_question(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


def test_a_list_of_a_kinded_item_and_another_item_stays_a_list(kb: KnowledgeBase) -> None:
    answer = kb.answer("电池、手机上的")  # 、 lists two things: the battery still asks its kind
    assert answer.intent == "clarify" and "哪种电池" in answer.text, answer.text


def test_fen_kai_is_a_frame_word_not_part_of_a_name(kb: KnowledgeBase) -> None:
    assert bins(kb, "胶带和纸箱分开扔吗") == ["其他垃圾", "可回收物"]


@pytest.mark.parametrize(
    ("text", "bin"),
    [
        ("香皂用成一小块了扔哪", "其他垃圾"),
        ("eraser", "其他垃圾"),
        ("scotch tape", "其他垃圾"),
        ("old textbooks", "可回收物"),
    ],
)
def test_a_worn_down_soap_and_english_stationery(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


@pytest.mark.parametrize(
    ("text", "bin"),
    [("chewing gum", "其他垃圾"), ("old curtains", "可回收物"), ("where to throw a broken hat", "可回收物")],
)
def test_english_household_words(kb: KnowledgeBase, text: str, bin: str) -> None:
    assert answered(kb, text)[0] == bin


@pytest.mark.parametrize("text", ["what", "that"])
def test_an_english_word_inside_another_is_not_read(kb: KnowledgeBase, text: str) -> None:
    assert kb.answer(text).intent != "sorting"  # "hat" inside "what"/"that"


def test_a_town_whose_name_holds_he_is_not_a_list(kb: KnowledgeBase) -> None:
    # 和庄镇 (新郑) read as 和 + 庄镇 listed "庄镇" and "新郑" as unknown items after the answer
    answer = kb.answer("新郑和庄镇的，剩饭咋弄", area="rural")
    assert answer.intent == "sorting" and [i.category for i in answer.items] == ["厨余垃圾"], answer.text
    assert "庄镇" not in answer.text and "不确定" not in answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("旧书旧报纸", ["可回收物", "可回收物"]), ("旧衣服旧鞋子扔哪", ["可回收物", "可回收物"])],
)
def test_two_old_things_typed_together_are_two_items(kb: KnowledgeBase, text: str, expected: list[str]) -> None:
    assert bins(kb, text) == expected


@pytest.mark.parametrize(
    ("text", "name"), [("iphone坏了扔哪", "手机"), ("airpods扔哪", "耳机"), ("macbook扔哪", "电脑")]
)
def test_english_device_names(kb: KnowledgeBase, text: str, name: str) -> None:
    answer = kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].name == name, answer.text
    assert kb.answer("iphone电池").items[0].category == "有害垃圾"  # still the phone's battery, not the phone


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("口罩戴过了扔哪个桶", "口罩"),
        ("一次性手套戴过的", "一次性手套"),
        ("毛衣穿过了扔哪", "毛衣"),
        ("口罩戴了一天", "口罩"),
    ],
)
def test_worn_after_the_name_is_a_state(kb: KnowledgeBase, text: str, name: str) -> None:
    answer = kb.answer(text)
    assert answer.intent == "sorting" and answer.items[0].name == name, answer.text
