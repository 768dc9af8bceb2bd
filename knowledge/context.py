"""A conversation's context: where the resident says they live, the item just talked about, and replies to a question.

Pure functions over a KnowledgeBase and plain dicts; the caller (bot.dialogue) keeps the context in the database
with a time limit. A follow-up names only part of a question ("那个袋子呢", "有油的", "锂的"): it is read together
with the item of the last answer ("薯片" + "袋子" → 薯片袋子, "塑料袋，有油的").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from knowledge import texts
from knowledge.answer import Answer, Choice
from knowledge.matching import part_named
from knowledge.normalize import normalize

if TYPE_CHECKING:
    from knowledge.catalogue import Entry
    from knowledge.core import KnowledgeBase

# "我住村里，…", "我们村…", "俺是农村嘞，…" in front of a question: the area for this and later answers.
_AREA_CLAUSE = {
    "rural": re.compile(
        r"^(?:(?:我|我们|咱|咱们)(?:家)?(?:就)?(?:住|是|在)?(?:在)?|(?:家)?住(?:在)?)"
        r"(?:[\u4e00-\u9fff]{1,4}(?:镇|乡)(?:的|上)?[，\s]*)?"  # "我是孟庄镇村民", "俺是辛店镇的，村里…"
        r"(?:农村|乡下|村里|村上|村民|村|庄上|庄里|庄)"
        r"(?:的|人|里|这边|这儿)*[，\s]*"
    ),
    "urban": re.compile(
        r"^(?:(?:我|我们|咱|咱们)(?:家)?(?:就)?(?:住|是|在)?(?:在)?|(?:家)?住(?:在)?)(?:城区|城里|市区|县城|小区)"
        r"(?:的|人|里|这边|这儿)*[，\s]+"
    ),
}
_AREA_CLAUSE_FIRST = frozenset("我咱家住")  # every _AREA_CLAUSE match starts with one of these (keep them in step)
# A follow-up points back at the last item ("那个…呢", "它的…") or only describes it ("有油的", "湿了").
_POINTING = re.compile(
    r"^(?:里面的|里头的|里边的|那它的|它们的|那要是|那如果|那个|这个|它的|那它|要是|如果|那么|刚才说的|刚才问的|刚才的|刚刚的|刚才|刚刚|那|这|它"
    r"|and\s+(?:the\s+)?|what\s+about\s+(?:the\s+)?|how\s+about\s+(?:the\s+)?)+"
)
_TRAILING = re.compile(r"(?:以后|之后|的时候|呢|吗|嘛|啊|呀|咧|么|的话)+$")
# Parts and packaging of the item just named: with it they name another item ("薯片" + "袋子").
PART_NOUNS = frozenset(
    """
    袋 袋子 包装 包装袋 包装盒 包装纸 外包装 盒 盒子 壳 皮 核 籽 瓶 瓶子 瓶盖 盖 盖子 罐 罐子 桶 杯 杯子 吸管 标签
    说明书 纸箱 箱子 托 托盘 膜 根 梗 叶 叶子 渣 把 刷头 芯 线 头 绳 瓤 刺 骨头 药板 铝塑板 铝箔板 锡箔板
    """.split()
)
# Packaging and containers of the item just named: answered alone when no name joins them, still the item's.
_PACKAGING = frozenset(
    "袋 袋子 包装 包装袋 包装盒 包装纸 外包装 盒 盒子 瓶 瓶子 瓶盖 盖 盖子 罐 罐子 桶 说明书 纸箱 箱子 标签 膜 吸管".split()
)
_WHERE = re.compile(r"^(?:里面|里头|里边|上面|上头|外面|表面)")
# Degree words before a state ("很干净", "挺脏的") and states said as one adjective.
_DEGREE = re.compile(r"^(?:很|挺|特别|非常|比较|蛮|贼|老|可|都|也|已经|还是|还)+")
_STATE_WORDS = frozenset("干净 脏 湿 干 空 满 破 碎 旧 新 油 潮 黏 粘 臭 干干净净 脏兮兮 湿漉漉 油乎乎".split())
# How much of it there is ("很多的话", "院子里扫了好几大袋"): said of the item, like a state.
_QUANTITY = re.compile(
    "很多|好多|挺多|太多|特别多|老多|不少|大量|少量|一点|一些|一堆|好几|几大|一大|两大|三大|一小|一车|一整"
)
_CUES = ("回收", "卖", "桶", "垃圾", "扔", "丢", "放哪", "怎么处理")
_CHOICE = re.compile(r"^(?:第)?(?P<n>[0-9]+|[一二两三四五六七八九十壹贰叁肆伍]+)(?:个|种|项|号|条|类)?$")
_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMBERS.update({"壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5})
# What stands around a choice, "都不是" or "不知道" in a reply ("我选二", "应该是第二个吧", "2 谢谢", "都不是啊"):
# opinion and choosing words, acknowledgements, thanks, address terms and particles. Removed before reading it.
_REPLY_NOISE = re.compile(
    r"选项|选择|答案|应该是|应该|估计是|估计|可能是|可能|大概是|大概|感觉是|感觉|我觉得是|我觉得|好像是|好像"
    r"|我选|我要|就选|选|就是|还是|那就|那个|这个|那种|这种|好的|好吧|好|嗯嗯|嗯|哦|噢|谢谢|谢了|谢啦|多谢|收到|ok"
    r"|师傅|老师|大姐|姐姐|大哥|哥哥|阿姨|叔叔|恁说|你说|您说|亲|就|吧|呀|啊|哈|呢|啦|吗|的|哩|嘞|我|俺|了|[，、\s]"
)
# A position said instead of a number: the first or the last option.
_FIRST = frozenset(["前面", "前一个", "前面那个", "上面", "上面那个", "上一个", "前者", "头一个", "第一种"])
_LAST = frozenset(
    ["后面", "后一个", "后面那个", "下面", "下面那个", "下一个", "后者", "最后", "最后一个", "最后那个", "最后一种"]
)
LAST = -1  # choice_number's answer for "后面那个": the last of however many options were offered
_NONE_OF_THEM_RE = re.compile(
    r"^(?:以上|上面|上边|这些|这几个|这几种|这两个|这两种|这俩|两个|两种|三个|哪个|哪种|哪一个|哪一种|一个)?"
    r"(?:都|全|全都|也)(?:不是|不对|不像|不符合|不行|没有|对不上)$"
    r"|^不是(?:这|那)?(?:些|几个|几种|两个|两种|俩|个|种|样|上面)?$|^不对$|^没有$|^别的$|^其他的?$|^其它的?$"
    r"|^没有(?:合适|对|一样)的?$"
)
_DONT_KNOW_RE = re.compile(
    r"^(?:也|还|真|确实|实在)?(?:不知道|不清楚|不确定|不懂|不晓得|搞不清楚?|分不清楚?|看不出来?|说不好|说不清楚?|不记得)"
    r"(?:是)?(?:哪种|哪个|哪一种|哪一个|什么|什么样|哪类|哪一类)?$|^(?:随便|都可能)$"
)
# "两种都有", "都有", "两个都是" after "哪种X？": the resident has one of each kind offered
_ALL_KINDS_RE = re.compile(
    r"^(?:我)?(?:家里?)?(?:(?P<n>两|俩|三|这两|这三|这几)(?:种|个|样)?|各种|几种|每种|每样)?(?:的)?"
    r"(?:都有|全有|都是|全都有|全都是|都有点|各有|各有一些|各有几个|都有一些)(?:的|吧|啊|呀|哦)?$"
)
_COUNT = {"两": 2, "俩": 2, "这两": 2, "三": 3, "这三": 3}


def all_kinds(norm: str, offered: int) -> bool:
    """ "两种都有", "都有" in reply to a question with `offered` options: one of each (a count said must match)."""
    said = _ALL_KINDS_RE.match(norm.replace(" ", ""))
    if said is None:
        return False
    n = _COUNT.get(said["n"] or "")
    return n is None or n == offered


def _reply_core(norm: str) -> str:
    """A reply with its noise removed ("我选二吧" → "二", "都不是啊" → "都不是")."""
    return _REPLY_NOISE.sub("", norm.replace(" ", ""))


def choice_number(norm: str) -> int | None:
    """The option a reply picks ("2", "第二个", "我选二", "2 谢谢", "应该是第一种吧"), LAST for "后面那个", None when the
    reply is no choice ("2号电池", "一次性的")."""
    said = norm.replace(" ", "")
    if said in _FIRST:
        return 1
    if said in _LAST:
        return LAST
    core = _reply_core(said)
    if core in _FIRST:
        return 1
    if core in _LAST:
        return LAST
    match = _CHOICE.match(core)
    if match is None or len(core) > 6:
        return None
    n = match["n"]
    if n.isdigit():
        return int(n)
    if len(n) == 1:
        return _NUMBERS[n]
    return 10 + _NUMBERS.get(n[1], 0) if n[0] == "十" else None  # "十一"; "二三" is no number


def none_of_them(norm: str) -> bool:
    """ "都不是", "两个都不是啊", "以上都不是", "不是这些": none of the options offered fits."""
    return bool(_NONE_OF_THEM_RE.match(_reply_core(norm)))


def dont_know(norm: str) -> bool:
    """ "不知道", "我也不知道是哪种", "分不清": the resident cannot tell which kind it is."""
    core = _REPLY_NOISE.sub("", norm.replace(" ", ""))
    return bool(_DONT_KNOW_RE.match(core))


def kind_choices(entry: Entry) -> list[Choice]:
    """The numbered options of a clarifying question, each with its bin, so the resident learns the answer for each
    kind or state even without replying (Round 15)."""
    choices = []
    for i, option in enumerate(entry.kinds, 1):
        colour = texts.BINS.get(option.category)
        label = f"{option.label} → {option.category}（{colour}）" if colour else f"{option.label} → {option.category}"
        choices.append(Choice(str(i), label, {"category": option.category}))
    return choices


# The same said in a later clause ("旧衣服往哪放，我住村里", "问一下，我们村，过期药咋处理", "村里的大姐问，…").
_AREA_LATER = {
    "rural": re.compile(
        r"^(?:在)?(?P<who>(?:我|我们|咱|咱们)(?:家)?(?:就)?(?:住|是|在)?(?:在)?|(?:家)?住(?:在)?|老家(?:的|在)?)?"
        r"(?:[\u4e00-\u9fff]{1,4}(?:镇|乡)(?:的|上)?[，\s]*)?"
        r"(?:农村|乡下|村里头|村里边|村里|村上|村民|村(?![长委支干])|庄上|庄里)"
        r"(?:的|人|里|里头|里边|这边|这儿|住的|住着的|住)*"
    ),
}
# A sorting question after the village ("村里头的塑料瓶扔哪", "村里收废品的收不收易拉罐") asks where the resident lives,
# unlike "村里的大喇叭说啥".
_SORTING_ASKED = ("扔", "丢", "桶", "放哪", "搁哪", "倒哪", "往哪", "收不收", "回收", "怎么处理", "怎么弄", "怎么整")


def split_area(norm: str) -> tuple[str | None, str]:
    """("rural", "剩饭怎么弄") for "我住村里，剩饭怎么弄" or "剩饭怎么弄，我住村里"; (None, norm) when no area is said."""
    if norm[:1] in _AREA_CLAUSE_FIRST:
        for area, pattern in _AREA_CLAUSE.items():
            match = pattern.match(norm)
            if match is not None and match.end() < len(norm):
                return area, norm[match.end() :].strip(" ，")
    if "村" not in norm and "乡下" not in norm and "庄" not in norm:
        return None, norm
    clauses = norm.split("，")
    for i, clause in enumerate(clauses):
        for area, pattern in _AREA_LATER.items():
            match = pattern.match(clause.strip())
            if match is None:
                continue
            asks = any(cue in clause.strip()[match.end() :] for cue in _SORTING_ASKED)
            if not match["who"] and match.end() < len(clause.strip()) and i == len(clauses) - 1 and not asks:
                continue  # "村里的大喇叭说什么" is about the village, not where the resident lives
            rest = "，".join([*clauses[:i], clause.strip()[match.end() :], *clauses[i + 1 :]]).strip(" ，")
            if rest:  # a message that is only "我们村" is the area command, not a question
                return area, re.sub(r"，+", "，", rest)
    return None, norm


# A resident correcting themselves: "X 不对，我说的是Y", "X，哦不对，是Y", "不是X，是Y", "我说的是Y不是X"; "我说不对"
# is the resident disputing what someone else said, not a correction.
_CORRECTION_MARK = re.compile(
    # "我觉得不对", "感觉不对": a judgement of a claim quoted before, not the resident correcting themselves
    r"(?<![对说得觉为看])(?:哦|噢|啊|呃)?(?:不对不对|不对|说错了|打错了|写错了|搞错了|弄错了|问错了|发错了|输错了)(?!的话|吧|吗|啊|呀)[，\s]*"
    # "电池，哦不是，是灯管", "过期的药 不是药，是化妆品": 不是 after a pause, then 是 and the thing meant (not a bin)
    r"|(?:^|(?<=[，\s]))(?:哦|噢|啊|呃|额)?不是[^，\s]{0,8}[，\s]+(?=是(?![^，]*垃圾))"
)
_SAID = re.compile(r"^(?:我|俺)(?:刚才)?(?:要|想)?(?:说|问)的(?:是)?")
_SAID_AFTER_MARK = re.compile(r"^(?:(?:我|俺)?(?:刚才)?(?:要|想)?(?:说|问)的(?:是)?|(?:应该|其实)?是)")
_NOT_BUT = re.compile(
    r"^(?:我|俺)?(?:要|想)?(?:说|问)?的?不是(?P<wrong>[^，\s]{1,10}?)[，\s]*(?:而|就|我说的|我问的)?是(?P<right>.+)$"
)
_BUT_NOT = re.compile(
    r"^(?P<right>[^，\s]{1,10}?)[，\s]*(?:而)?不是(?P<wrong>[^，\s]{1,10}?)[了的啊呀吗]*(?:$|[，\s]+(?P<rest>.+)$)"
)


def corrected(norm: str) -> str:
    """The message as the resident meant it after correcting themselves ("不是干电池，是纽扣电池" → 纽扣电池)."""
    if "不" not in norm and "错了" not in norm and not norm.startswith(("我", "俺")):
        return norm  # no correction mark, no "不是", no "我说的": the patterns below cannot match
    marks = list(_CORRECTION_MARK.finditer(norm))
    said_form = _SAID
    if marks and marks[-1].end() < len(norm):
        norm, said_form = norm[marks[-1].end() :].strip(" ，"), _SAID_AFTER_MARK
    said = said_form.match(norm)
    if said is not None and said.end() < len(norm):
        norm = norm[said.end() :].strip(" ，")
        but_not = _BUT_NOT.match(norm)  # "我说的是花生壳不是核桃壳"
        if but_not is not None:  # "…不是核桃壳，花生壳扔哪": the question after it, about the item meant
            rest = but_not["rest"]
            return rest if rest and but_not["right"] in rest else but_not["right"]
    not_but = _NOT_BUT.match(norm)
    if not_but is not None and "垃圾" not in not_but["right"] and not not_but["wrong"].startswith("说"):
        return not_but["right"].strip(" ，")
    return norm


# "这个呢", "这个扔哪", "那东西是什么垃圾" name no item: with none named before, the bot asks which one is meant.
_POINTS_AT_NOTHING = re.compile(
    r"^(?:那它|那|这|它)(?:个|种|些|样|玩意儿?|东西|样东西)?"
    r"(?:呢|是什么垃圾|属于什么垃圾|算什么垃圾|是什么|扔哪里?|放哪里?|扔哪个桶|放哪个桶|怎么扔|怎么处理|怎么办|怎么弄|怎么整)?"
    r"[呢吗啊呀哈]*$"
)
WHICH_ITEM_SOURCE = "clarify:which_item"
# A sorting question with no item in it ("扔哪", "请问扔哪个桶", "我手里有个东西不知道扔哪", "一袋混着的垃圾咋分"):
# politeness, vague words for "a thing" and the question frame, nothing else.
_VAGUE_THING = re.compile(
    r"请问|问一下|问下|想问一下|想问|我想|我|你好|您好|手里|手上|家里|这边|有个|有一个|有样|有些|有一堆|一个|一样|一些"
    r"|一堆|一袋子?|一包|一大堆|手里有|东西|玩意儿?|垃圾|不知道是什么|不知道|不晓得|不清楚|该|应该|要|到底|究竟"
    r"|混着的|混合的|混在一起的|乱七八糟的|各种各样的|各种|这种|的|是|了"
)
_BARE_FRAME = re.compile(
    r"(?:扔到?哪(?:个桶|里|儿)?|放到?哪(?:个桶|里|儿)?|丢哪(?:个桶|里)?|怎么(?:扔|处理|办|弄|整|分类?)"
    r"|属于(?:什么|哪类|哪一类)垃圾|算什么垃圾|是什么垃圾|什么垃圾|哪个桶)"
)


def points_at_nothing(norm: str) -> bool:
    """True for "这个呢", "这个扔哪": a pointing word and at most a question, no item."""
    return bool(_POINTS_AT_NOTHING.match(norm.replace(" ", "")))


# Words that say a state of a thing ("湿了", "洗干净了", "还有一半"): said with no item talked about, the bot asks which.
_STATE_CUE = re.compile(
    r"湿|干净|洗过|洗了|脏|油|碎|破|空了|空的|剩|过期|用完|吃完|喝完|没用完|一半|坏了|霉|臭|扁|淋|泡|沾|漏|鼓包|没电"
)
STATE_WITHOUT_ITEM_SOURCE = "clarify:state_without_item"


def state_without_item(text: str, answer: Answer) -> Answer | None:
    """For a state said alone ("湿了") that nothing answered and no item talked about explains (none, or the context
    timed out): ask which thing it is, rather than the generic reply; None for anything else."""
    norm = normalize(text)
    rest = _TRAILING.sub("", _POINTING.sub("", norm)).strip(" ，")
    if answer.intent != "unknown" or answer.items or answer.pending is not None or not rest or len(rest) > 8:
        return None
    if not _STATE_CUE.search(rest) or not all(_is_state(c) for c in rest.split("，") if c):
        return None
    return Answer("clarify", texts.STATE_WITHOUT_ITEM.format(said=rest), 0.5, STATE_WITHOUT_ITEM_SOURCE)


def asks_without_item(norm: str) -> bool:
    """True for a sorting question that names no item ("扔哪", "属于什么垃圾", "我有个东西不知道扔哪")."""
    plain = re.sub(r"[\s，、。？?！!]+|[呢吗啊呀哈嘛吧]+$", "", norm)
    if len(plain) > 20 or _BARE_FRAME.search(plain) is None:
        return False
    rest = _BARE_FRAME.sub("", plain)
    if rest.strip("呢吗啊呀哈嘛吧") in ("垃圾", "垃圾要", "垃圾该", "生活垃圾", "家里垃圾", "家里的垃圾"):
        return False  # "垃圾怎么分类": how sorting works, a question of its own
    return not _VAGUE_THING.sub("", rest).strip("呢吗啊呀哈嘛吧")


def which_item() -> Answer:
    """The question back when a message points at an item it does not name."""
    return Answer("clarify", texts.WHICH_ITEM, 0.5, WHICH_ITEM_SOURCE)


def is_choice_reply(text: str) -> bool:
    """ "2", "第一个", "我选二", "都不是啊": a reply to a clarifying question, never a question of its own."""
    norm = normalize(text).replace(" ", "")
    return bool(norm) and (choice_number(norm) is not None or none_of_them(norm))


NOT_OFFERED_SOURCE = "reask:no_choices"


def choice_not_offered(last: Any, *, expired: bool = False) -> Answer:
    """ "2" when no numbered question is open: the question timed out, or none was asked; then the resident is asked
    what they mean (about the item just answered, if any), never given the generic reply."""
    if expired:
        return Answer("smalltalk", texts.CHOICE_WITHOUT_QUESTION, 1.0, "smalltalk:choice")
    query = str(last.get("query") or "") if isinstance(last, dict) else ""
    if not query:
        return Answer("clarify", texts.CHOICE_NOTHING_ASKED, 0.5, NOT_OFFERED_SOURCE)
    return Answer("clarify", texts.CHOICE_NOT_OFFERED.format(query=query), 0.5, NOT_OFFERED_SOURCE)


def remember(answer: Answer, text: str = "") -> dict[str, Any] | None:
    """The item an answer was about, to read a follow-up against (and the items of a list answer, for "第二个呢"); a
    plan answer's question (`text`), for "新郑的呢"; None when it was about nothing to come back to."""
    last = _remembered(answer)
    if last is not None:
        listed = answer.extra.get("list")
        if not listed and answer.intent == "sorting" and len(answer.items) > 1:
            listed = [i.query or i.name for i in answer.items]
        if listed:
            last["items"] = [str(q) for q in listed]
    elif answer.intent == "policy" and text:
        last = {"query": "", "policy": normalize(text)}
    elif answer.intent == "faq" and answer.source.startswith("faq.yaml#") and answer.extra.get("faq"):
        last = {"query": "", "faq": str(answer.extra["faq"])}  # "那单位呢" after the fines FAQ
    return last


def _remembered(answer: Answer) -> dict[str, Any] | None:
    """The item an answer was about, or None."""
    owner = {"owner": str(answer.extra["owner"])} if answer.extra.get("owner") else {}
    if answer.pending is not None:  # "袋子呢" after 感冒药 asked back: still the medicine's bag
        return {"query": str(answer.pending.get("query") or answer.pending.get("entry") or ""), **owner}
    if answer.intent == "faq" and answer.items and answer.extra.get("about"):
        return {"query": str(answer.extra["about"]), **owner}  # "那周末呢" answered: the item is still talked about
    if answer.intent == "sorting" and answer.items:
        kind = answer.extra.get("kind")
        chosen = {"kind": dict(kind)} if isinstance(kind, dict) else {}  # "陶瓷的" then "碎了呢": still ceramic
        if answer.extra.get("about"):  # "那遥控器的呢" about 电池: the battery again, not 遥控器的电池 from now on
            return {"query": str(answer.extra["about"]), **chosen, **owner}
        item = answer.items[-1]
        # "袋子呢" after 薯片: the bag now, and "那外包装呢" next is the crisps' again
        return {"query": item.query or item.name, **chosen, **owner}
    hedged = answer.extra.get("hedged")
    if answer.intent == "clarify" and not answer.items and isinstance(hedged, list) and len(hedged) == 1:
        # "LED灯扔哪" hedged (no item vouched for), then "那节能的呢" / "那猫砂呢": still about the lamp, the pet's waste
        return {"query": str(hedged[0]), "hedged": True, **owner}
    return None


def reask(kb: KnowledgeBase, pending: dict[str, Any], text: str) -> Answer | None:
    """The clarifying question again, for a number out of range or "都不是"; None for anything else."""
    entry = kb.by_name.get(str(pending.get("entry", "")))
    norm = normalize(text).replace(" ", "")
    if entry is None or not entry.kinds:
        return None
    if none_of_them(norm):
        lead = texts.REASK_NONE
    elif choice_number(norm) is not None:
        lead = texts.REASK_RANGE.format(n=len(entry.kinds))
    else:
        return None
    query = str(pending.get("query") or entry.name)
    choices = kind_choices(entry)
    question = entry.kinds_question.replace("{query}", query) or f"您说的“{query}”是哪一种？"
    body = "\n".join([lead, question, *(f"{c.key} {c.label}" for c in choices), texts.CHOOSE])
    return Answer("clarify", body, 0.5, f"reask:{entry.name}", choices=choices, pending=dict(pending))


def follow_up(
    kb: KnowledgeBase,
    last: dict[str, Any],
    text: str,
    *,
    area: str | None = None,
    city: str | None = None,
    earlier: Sequence[str] = (),
    alone: dict[str, Answer] | None = None,
) -> Answer | None:
    """The answer to a message that only makes sense with the last item (or one named before it, `earlier`, the
    latest first), or None when it stands on its own. `alone` (when given) receives the answer to the message read on
    its own, if this reading computed one and left it unchanged, keyed by the text it was asked with
    (`answer_alone` hands it to the caller instead of answering the message a second time)."""
    query = str(last.get("query") or "")
    norm = normalize(text)
    if not norm:
        return None
    switched = _city_switched(kb, last, norm, area=area)
    if switched is not None:  # "那新郑呢" after an item or a plan question: the same asked for that city
        return switched
    if not query:
        again = _faq_again(kb, last, norm, area=area, city=city)
        if again is None and earlier and last.get("faq") and _points_back(norm):
            # "那它的盒子呢", "刚才那个要压扁吗" after an FAQ turn: the item talked about before the FAQ
            return follow_up(kb, {"query": earlier[0]}, text, area=area, city=city, earlier=earlier[1:], alone=alone)
        return again
    both = _both_asked(kb, last, query, norm, earlier, area=area, city=city)
    if both is not None:  # "两个都是厨余吗" after two items: each of them, yes or no
        return both
    listed = _listed(last, norm)
    if listed is not None:  # "第二个呢", "后面那个湿了呢" after a list answer: that item
        if not listed[0]:
            return which_item()  # "中间那个" of two: ask which one, never the generic reply
        return _about_listed(kb, last["items"], *listed, area=area, city=city)
    before_last = _BEFORE_LAST.match(norm.replace(" ", ""))
    if before_last is not None and earlier:  # "前面那个压扁了呢" after two items asked apart: the one before
        said = norm.replace(" ", "")[before_last.end() :]
        return _about_listed(kb, (), earlier[0], said, area=area, city=city)
    if _CORRECTION_MARK.search(norm):
        norm = corrected(norm)  # "哦不对，是干净的": the state meant
    if len(norm) > (16 if _POINTING.match(norm) else 12) or is_choice_reply(norm):
        return None  # "刚才那个罐子踩扁了还能回收不" points back however long it is
    moved = _area_switched(kb, query, norm, city=city)
    if moved is not None:  # "我是农村的" after the answer: the item again, in the terms of that area
        return moved
    doubted = _doubted(kb, query, norm, area=area, city=city)
    if doubted is not None:  # "确定吗，不是可回收吗": the item again, with the guess answered
        return doubted
    cost = _cost_asked(kb, query, norm, area=area, city=city)
    if cost is not None:  # "要钱不", "上门收要收费吗": the item again, and that the fee is not ours to say
        return cost
    when = _when_or_where(kb, query, norm, area=area, city=city)
    if when is not None:  # "那周末呢", "有人上门收吗": when to put it out or who fetches it, never a new item
        return when
    together = _together(kb, query, norm, earlier, area=area, city=city)
    if together is not None:  # "能放一起吗": the last two items side by side
        return together
    coloured = _colour_asked(kb, query, norm, area=area, city=city)
    if coloured is not None:  # "放红桶吗", "放蓝色桶对吧": yes or no about the item just answered
        return coloured
    rest = _TRAILING.sub("", _POINTING.sub("", norm)).strip(" ，")
    if _PREPARE.fullmatch(rest.replace(" ", "")) is not None:
        # "要压扁吗", "刚才那个要包起来再扔吗": how to put the item out; its answer (and tip) again, never a new item
        again = kb.answer(query, area=area, city=city)
        if again.intent in ("sorting", "clarify") and len(again.items) <= 1 and _about(again, query):
            again.extra["follow_up"] = f"{query}（{rest}）"
            again.extra["about"] = query
            return again
    placed = _PLACE.sub("", rest).strip(" ，")
    if not placed and rest and _PLACE.match(rest) is not None:
        # "在饭店呢", "我是开饭店的" after 剩菜: the same item from there (the rule's tip says who takes it)
        again = kb.answer(query, area=area, city=city)
        if again.intent in ("sorting", "clarify") and len(again.items) <= 1 and _about(again, query):
            again.extra["follow_up"] = f"{rest.removesuffix('的')}的{query}"
            again.extra["about"] = query
            return again
    rest = placed or rest  # "在单位吃剩的": where it is does not change the bin
    either = _EITHER_KIND.match(rest)
    if either is not None:  # "猪的还是牛的" after 大骨头: both kinds, never 牛 as a new item
        both = kb.answer(f"{either['a']}的{query}和{either['b']}的{query}", area=area, city=city)
        if both.intent == "sorting" and len(both.items) == 2:
            both.extra["follow_up"] = f"{query}（{rest}）"
            return both
    pointing = rest != norm  # "那个袋子呢", "它的包装": said about something already named
    tail = _YES_NO_TAIL.search(rest)
    if tail is not None and tail.start() > 0:  # "破了洞的也行吗", "湿了的也一样吗": the state is the question
        rest = rest[: tail.start()].strip(" ，")
    if not rest and _WHERE.match(norm):  # "里面的呢" after 洗发水瓶: what the bottle held, 洗发水
        product = _without_vessel(query)
        if any(v in product for v in "瓶罐盒箱桶杯袋"):
            product = ""  # "罐头罐子": what a 罐头 holds is not the 罐头 the catalogue names
        answer = kb.answer(product, area=area, city=city) if product else None
        if answer is not None and answer.intent in ("sorting", "clarify") and _about(answer, product):
            answer.extra["follow_up"] = product
            return answer
    if not rest or rest == query:
        return None
    if last.get("hedged") and rest.endswith("的"):
        kind = _kind_after_hedge(kb, query, rest[:-1], area=area, city=city)
        if kind is not None:  # "那节能的呢" after LED灯, "那狗的呢" after 猫的粪便 (Round 16 parts17)
            return kind
    owner = str(last.get("owner") or "")  # the item whose part was the last answer
    held = owner if _owner_meant(kb, norm, rest, query, owner, area=area) else query  # "它里面还有油" after 盖子
    stained = _stained(kb, held, rest, last if held == query else {}, area=area, city=city)
    if stained is not None:  # "要是沾了油漆呢", "里面还有奶没喝完": what got on it or is left in it, not a new item
        return stained
    back = _back_to(rest, [query, *earlier])
    if back is not None:  # "盒子洗过了呢" after 外卖盒 and then 筷子: the box again, in its new state
        named, state = back
        candidate = f"{named}，{state}" if state else named
        answer = kb.answer(candidate, area=area, city=city)
        if len(answer.items) <= 1 and answer.intent in ("sorting", "clarify") and _about(answer, named):
            answer.extra["follow_up"] = candidate
            if state:
                answer.extra["about"] = named  # a state said of it: the item stays what it was called
            return answer
    whole = _with_parts(kb, normalize(query))
    # "珍珠呢", "珍珠" (a part the item's rule lists, said bare), not "塑料袋咋整"
    only_names = (rest != norm or len(norm) <= 4) and not any(c in norm for c in (*_CUES, "怎么", "哪"))
    if whole is None and only_names:
        whole = _rule_with_part(kb, query, rest, area=area, city=city)  # "铝塑板" after 布洛芬: the blister
    if whole is not None and only_names and part_named(kb.matcher.by_surface[whole], rest) is not None:
        answer = kb.answer(f"{whole}里的{rest}", area=area, city=city)  # "奶茶(杯)" then "珍珠呢": its 厨余 part
        if answer.intent == "sorting":
            answer.extra["follow_up"] = f"{whole}里的{rest}"
            answer.extra["owner"] = whole
            for item in answer.items:  # remembered as "奶茶的杯子", so "珍珠呢" next is still about the milk tea
                item.query = item.query if item.query.startswith(whole) else f"{whole}的{item.query}"
            return answer
    alone_answer = kb.answer(norm, area=area, city=city)
    answer = _read_with_alone(kb, last, norm, rest, query, earlier, pointing, alone_answer, area=area, city=city)
    if answer is None and alone is not None:
        alone[norm] = alone_answer  # returned None: the answer alone is as kb.answer made it
    return answer


def answer_alone(
    kb: KnowledgeBase, text: str, alone: dict[str, Answer], *, area: str | None = None, city: str | None = None
) -> Answer:
    """`kb.answer(text, area=area, city=city)`, taken from what `follow_up` left in `alone` (asked with the same area
    and city) when it answered a text that normalises as `text` does: the same input to the same answer, once."""
    if alone:
        norm = normalize(text)
        for asked, answer in alone.items():
            if normalize(asked) == norm:
                return answer
    return kb.answer(text, area=area, city=city)


def _read_with_alone(
    kb: KnowledgeBase,
    last: dict[str, Any],
    norm: str,
    rest: str,
    query: str,
    earlier: Sequence[str],
    pointing: bool,
    alone: Answer,
    *,
    area: str | None,
    city: str | None,
) -> Answer | None:
    """The rest of `follow_up`, once the message has been answered on its own (`alone`)."""
    asked = kb.by_name.get(str((alone.pending or {}).get("entry", "")))
    if (
        pointing
        and alone.intent == "clarify"
        and alone.pending is not None
        and not alone.items
        and not (asked is not None and asked.asks_state)  # the item before says a kind, never a state
    ):
        pending = dict(alone.pending)
        if rest in str(pending.get("query") or ""):
            pending["query"] = rest  # "what about 电池": the battery, said as the resident named it
        told = kb.resolve(pending, query, area=area)  # "里面的电池呢" after 旧手机: the phone says which kind
        if told is not None and told.intent == "sorting":
            told.extra["follow_up"] = f"{query}里的{rest}"
            return told
    describing = False
    owner = str(last.get("owner") or "")  # the item whose part was the last answer
    if _describes(rest, alone) and _owner_meant(kb, norm, rest, query, owner, area=area):
        query, owner = owner, ""  # "那它过期了呢" after 感冒药 and 袋子呢: the medicine expired, not its bag
    said_part = _part_said(rest)
    if said_part:  # "用完了，空罐子" after 杀虫剂: the spray's can, not any can
        rest, pointing = said_part, True
    noun = ""
    if (pointing or rest == norm) and rest.rstrip("的") in PART_NOUNS:  # "那袋子呢", or a bare "袋子", "皮"
        noun = rest.rstrip("的")
        candidates = [query + noun, f"{query}的{rest}"]
        if said_part and query.removesuffix("子").endswith(noun.removesuffix("子")):
            candidates.insert(0, f"{query}，空的")  # "喝完的空瓶" after 药瓶: the same bottle, emptied
        if owner:  # "橘子" then "皮" then "籽": the orange's seeds, not the peel's
            candidates[:0] = [owner + noun, f"{owner}的{noun}"]
        stem = _without_vessel(query)
        if stem:  # "外卖盒" then "那袋子呢": the take-away's bag (外卖袋子), not a bag of the box
            candidates.append(stem + rest.rstrip("的"))
        if noun in ("袋", "袋子"):
            candidates.append(f"装{query}的塑料袋")  # "剩菜" then "那个袋子呢": the bag it was in, last
        if noun == "包装":
            candidates.append(f"{query}包装袋")  # "过期饼干" then "包装呢": the wrapper (饼干包装袋)
        if noun in ("盖", "盖子") and query.removesuffix("子").endswith(("瓶", "桶", "罐", "壶")):
            candidates.append("瓶盖")  # "油桶" then "盖子呢": a bottle's or can's cap
    elif _asks_about_it(_POINTING.sub("", norm) or norm, alone):
        # "是可回收的吗", "能卖钱吗", "扔哪", "刚才那个是可回收吗" about the item just named
        candidates = [query + (_POINTING.sub("", norm) or norm)]
    elif alone.intent in ("smalltalk", "command", "faq", "policy"):
        return None
    elif _WHERE.match(norm) and alone.intent == "unknown" and not alone.items and alone.pending is None:
        candidates = [query + rest, f"{query}里的{rest}"]  # "里面的土呢" after 花盆: 花盆土, what is in it
    elif _describes(rest, alone) or _rule_reads(kb, query, rest, alone):
        describing = True  # a state or kind of the item: the item stays the context, without it
        candidates = [f"{query}，{rest}"]  # conditions said in another clause count ("塑料袋，有油的")
        if _QUANTITY.search(rest) and not rest.endswith("的"):  # "小区修剪的一大车的树枝": the amount read whole
            candidates.insert(0, f"{rest}的{query}")
        if _HALF.search(rest) and _HALF.sub("", rest):
            candidates.insert(0, f"{query}，{_HALF.sub('', rest)}")  # "还有一半油" says 还有油
        if rest.endswith("的"):
            candidates.insert(0, rest + query)  # "装过农药的" + 瓶子: one thing described, not two items
            sibling = _sibling(kb, query, rest[:-1])
            if sibling:  # "核桃的" after 花生壳: 核桃壳, another item with the same head
                candidates.insert(0, sibling)
    elif (pointing or rest == norm) and len(rest) <= 2 and alone.intent == "unknown" and not alone.items:
        candidates = [query + rest, f"{query}的{rest}"]  # "汤呢" after 剩菜: 剩菜汤, a part no bin names alone
    else:
        return None
    for candidate in candidates:
        answer = kb.answer(candidate, area=area, city=city)
        if len(answer.items) > 1:
            continue  # a follow-up is about the one item talked about, never a list
        if answer.intent in ("sorting", "clarify") and _about(answer, query if query in candidate else candidate):
            if noun and _moved_by_name(answer, alone):
                answer = alone  # "那纸箱呢" after 油桶's cap: the box, not a box made oily by the word 油桶
            answer = _with_kind(kb, answer, last if describing else {}, area=area)
            answer.extra["follow_up"] = candidate
            if describing and query in candidate:
                answer.extra["about"] = query
            elif noun or (candidate.endswith(rest.rstrip("的")) and rest.rstrip("的") in PART_NOUNS):
                answer.extra["owner"] = owner or query  # "盖子呢" → 瓶盖: still the oil can's cap
            return answer
    if noun in _PACKAGING and (alone.items or alone.pending is not None) and alone.intent in ("sorting", "clarify"):
        alone.extra["owner"] = owner or query  # "袋子呢" after 感冒药 answered alone: "那它过期了呢" is the medicine
        return alone
    if alone.items or alone.pending is not None:
        return None  # "骨头呢" after 电池 is a new question, not 电池骨头
    answer = kb.answer(candidates[0], area=area, city=city)
    answer.extra["follow_up"] = candidates[0]
    return answer if answer.intent == "unknown" else None  # "不确定" about the whole thing beats the generic reply


# A position in the list just answered: "第二个呢", "后面那个咋扔", "中间那个湿了呢".
_POSITION = re.compile(
    r"^(?:那|那个)?(?:第(?P<n>[0-9]|[一二两三四五六七八九十])(?:个|样|种|项)?(?:东西)?"
    r"|(?P<where>前面|前边|头一|上面|后面|后边|最后|下面|中间)(?:那|的)?一?(?:个|样|种))"
)
_FIRST_PLACES = ("前面", "前边", "头一", "上面")
_ASKS_ONLY = re.compile(
    r"^(?:怎么扔|怎么处理|怎么办|怎么弄|怎么整|扔哪里?|放哪里?|扔哪个桶|放哪个桶|是什么垃圾|属于什么垃圾|算什么垃圾|[，\s])*$"
)
# "也行吗", "也一样吗" after a state: a yes/no question about the item in that state ("破了洞的也行吗").
_YES_NO_TAIL = re.compile(r"(?:也|还|都)(?:行|可以|一样|中|算|能行|能回收|是这样)(?:不行|不|没)?$")
# Doubt about the answer just given, with or without a guess: "确定吗", "真的吗，不是可回收吗".
_DOUBT = re.compile(r"^(?:你)?(?:确定|真的|肯定|没搞错|没弄错|没说错|不会吧)(?:吗|嘛|么|吧|啊|呀)?(?:[，\s]+|$)")
# "能放一起吗", "俩能扔一个桶不": the last two items, side by side.
_TOGETHER = re.compile(
    r"^(?:那)?(?:它们|它俩|俩|两个|这俩|这两个|这两样)?(?:都)?(?:能|可以|能不能|可不可以)?(?:放|扔|丢|装|倒)(?:在|到|进)?"
    r"(?:一起|一块儿?|一个桶里?|同一个桶里?|一个垃圾桶里?)(?:吗|不|么|嘛|不能|没)?$"
)
# "那新郑呢", "新密的呢": the question just asked, for another city.
_CITY_ONLY = re.compile(
    r"^(?:那|那个|那在|在)?(?P<city>新郑|新密|郑州)(?:市)?(?:的|这边|那边|那里|这里)?(?:呢|咧|嘞|啊|呀)?$"
)
_CITY_NAMES = re.compile("新郑|新密|郑州")
# "前面那个", "上一个" with no list answered: the item talked about before the last one.
_BEFORE_LAST = re.compile(r"^(?:那|那个)?(?:前面|前边|上一个|前一个|上面)(?:那|的)?一?(?:个|样)?")
# A bin by its colour in a yes/no follow-up ("放红桶吗", "是蓝色的桶对吧").
_COLOUR_BIN = re.compile(r"(?P<colour>红|蓝|绿|灰|黑)色?的?(?:垃圾)?(?:桶|箱)")
_COLOURS = {"红": "有害垃圾", "蓝": "可回收物", "绿": "厨余垃圾", "灰": "其他垃圾", "黑": "其他垃圾"}
_COLOUR_FRAME = re.compile(
    r"^(?:那|这|它|是|应该|就|放|扔|丢|投|进|到|在|对吧|对不对|是不是|是吧|吗|么|嘛|吧|呢|不|没|，|\s)*$"
)
_AREA_CHARS = frozenset("村乡庄城市区")
_AREA_COMMAND = re.compile(r"^(?:切换|我在(?:农村|城区|城市)$)")


# Where the item is ("在单位吃剩的"): said of the item, it does not change the bin.
_PLACE = re.compile(
    r"^(?:是|我是|我们是|俺是|我|我们|俺)?(?:在)?(?:开)?"
    r"(?:单位|公司|学校|办公室|厂里|店里|饭店|饭馆|餐馆|餐厅|面馆|食堂|超市|小卖部|宿舍)(?:里|里面|上)?(?:的)?"
)  # "我是开饭店的" says who asks, not what
# Two kinds of the item said as an either-or ("猪的还是牛的", "塑料的还是玻璃的都一样吗").
_EITHER_KIND = re.compile(
    r"^(?P<a>[\u4e00-\u9fff]{1,4})的?(?:还是|或者|或是)(?P<b>[\u4e00-\u9fff]{1,4})的(?:都一样|都一样吗|一样吗)?$"
)
# Half of it left ("还有一半油", "剩了一半"): something is left, as the rules' condition words say it.
_HALF = re.compile(r"(?:一|多|大)半")
# A state only the item itself can be in, not its bag or box ("过期了", "没吃完"), or 它 pointing at the item talked
# about before its part.
_OWNER_STATE = re.compile(r"过期|吃完|喝完|用完|吃剩|喝剩|用剩|变质|发霉|坏了|没吃|没喝|没用|还有|剩")
_IT = re.compile(r"^(?:那|那么)?它")


def _kind_after_hedge(kb: KnowledgeBase, query: str, said: str, *, area: str | None, city: str | None) -> Answer | None:
    """ "X的呢" after a hedged reply (郑州暂无明确规定): another kind of the rule that lists the hedged item as one of its
    kinds ("节能的" after LED灯: the 灯泡 rule's 节能 kind), else the hedged item said of X ("狗的" after 宠物粪便: the
    dog's droppings, the same hedge). A kind word is read against the rule's kinds; a noun with 的 is an owner."""
    if not said or len(said) > 5 or not all("\u4e00" <= ch <= "\u9fff" for ch in said):
        return None
    lowered = query.lower()
    for entry in kb.entries:
        options = entry.kinds
        if not options or not any(w.lower() in lowered for o in options for w in o.words):
            continue
        picked = [o for o in options if any(w in said for w in o.words)]
        if len(picked) == 1 and not any(w.lower() in lowered for w in picked[0].words):
            answer = kb.answer(f"{said}的{entry.name}", area=area, city=city)
            if answer.intent == "sorting" and len(answer.items) == 1:
                answer.extra["follow_up"] = f"{said}的{entry.name}"
                return answer
    alone = kb.answer(said, area=area, city=city)
    if alone.intent == "clarify" and not alone.items and alone.source.startswith("local_rules.yaml#"):
        return alone  # "那眼霜的呢" after 口红: the eye cream's own rule asks or hedges, not "眼霜的口红"
    answer = kb.answer(f"{said}的{query}", area=area, city=city)
    if answer.intent == "clarify" and not answer.items and answer.extra.get("hedged") == [query]:
        answer.extra["follow_up"] = f"{said}的{query}"
        return answer  # the same hedge for the owner said: never the owner's own bin
    return None


def _owner_meant(kb: KnowledgeBase, norm: str, rest: str, query: str, owner: str, *, area: str | None) -> bool:
    """True when a state said after a part answer is about the part's owner ("那它过期了呢" after 感冒药 and 袋子呢),
    unless the state changes only the latest item's bin ("它湿了呢" after 油桶 and then 纸箱: the box is wet)."""
    if not owner or owner == query or not _means_owner(norm, rest):
        return False
    return not _state_moves(kb, query, rest, area=area) or _state_moves(kb, owner, rest, area=area)


def _state_moves(kb: KnowledgeBase, query: str, rest: str, *, area: str | None) -> bool:
    """True when the state said changes the item's bin ("纸箱" + "湿了"), False when it changes nothing or is unread."""
    plain, said = kb.answer(query, area=area), kb.answer(f"{query}，{rest}", area=area)
    if len(plain.items) != 1 or len(said.items) != 1 or said.extra.get("unknown"):
        return False
    return plain.items[0].category != said.items[0].category


def _means_owner(norm: str, rest: str) -> bool:
    """True when a state said after a part answer is about the item the part belongs to ("那它过期了呢")."""
    return bool(_IT.match(norm.replace(" ", ""))) or bool(_OWNER_STATE.search(rest))


def _with_kind(kb: KnowledgeBase, answer: Answer, last: dict[str, Any], *, area: str | None) -> Answer:
    """The kind question answered with the kind the resident chose before ("陶瓷的" then "碎了呢"), else `answer`."""
    kind = last.get("kind")
    if answer.intent != "clarify" or answer.pending is None or not isinstance(kind, dict):
        return answer
    if str(answer.pending.get("entry") or "") != str(kind.get("entry") or ""):
        return answer
    told = kb.resolve(answer.pending, str(kind.get("option") or ""), area=area)
    return told if told is not None and told.intent == "sorting" else answer


def _listed(last: dict[str, Any], norm: str) -> tuple[str, str] | None:
    """(the item, what is said of it) for a position in the list answered last ("第二个呢" → 大骨头, "呢"); the item
    is "" for a position that names none of them ("第五个", "中间那个" of two)."""
    items = last.get("items")
    if not isinstance(items, list) or len(items) < 2:
        return None
    said = norm.replace(" ", "")
    match = _POSITION.match(said)
    if match is None:
        return None
    if match["n"]:
        n = int(match["n"]) if match["n"].isdigit() else _NUMBERS[match["n"]]
        at = n - 1 if 1 <= n <= len(items) else None
    elif match["where"] == "中间":
        at = 1 if len(items) == 3 else None  # "中间那个" of two or four items is no one item
    else:
        at = 0 if match["where"] in _FIRST_PLACES else len(items) - 1
    return (str(items[at]) if at is not None else "", said[match.end() :])


def _about_listed(
    kb: KnowledgeBase, listed: Sequence[str], item: str, said: str, *, area: str | None, city: str | None
) -> Answer | None:
    """The answer about one item of the list answered last (or of an item before the last one, `listed` empty),
    read with what the resident says of it."""
    rest = _TRAILING.sub("", said).strip(" ，")
    answer = None
    if rest and not _ASKS_ONLY.match(rest):
        answer = follow_up(kb, {"query": item}, rest, area=area, city=city)
    if answer is None:
        answer = kb.answer(item, area=area, city=city)
    if answer.intent not in ("sorting", "clarify") or len(answer.items) > 1 or not _about(answer, item):
        return None
    answer.extra.setdefault("follow_up", item)
    if listed:
        answer.extra["list"] = list(listed)  # "第一个呢" next still counts in the same list
    return answer


def _city_switched(kb: KnowledgeBase, last: dict[str, Any], norm: str, *, area: str | None) -> Answer | None:
    """The last question again for the city a reply names alone ("那新郑呢"), or None."""
    match = _CITY_ONLY.match(norm.replace(" ", ""))
    if match is None:
        return None
    city, asked, query = match["city"], str(last.get("policy") or ""), str(last.get("query") or "")
    if asked:
        question = _CITY_NAMES.sub(city, asked) if _CITY_NAMES.search(asked) else city + asked
        answer = kb.answer(question, area=area, city=city)
        return answer if answer.intent == "policy" else None
    if not query:
        return None
    answer = kb.answer(query, area=area, city=city)  # the rules are 郑州's in both: the same answer, said for it
    if answer.intent not in ("sorting", "clarify") or not _about(answer, query):
        return None
    answer.extra["follow_up"] = f"{city}的{query}"
    return answer


def _area_switched(kb: KnowledgeBase, query: str, norm: str, *, city: str | None) -> Answer | None:
    """ "我是农村的" right after an answer: the area is set, and the item is answered again in its terms."""
    if _AREA_CHARS.isdisjoint(norm) or _AREA_COMMAND.match(norm):
        return None  # "我在城区", "切换到农村": the switch the help text teaches, answered as the command
    said = kb.answer(norm, city=city)
    area = str(said.extra.get("area") or "")
    if said.intent != "command" or said.extra.get("command") != "set_area" or area not in texts.AREA_SET:
        return None
    answer = kb.answer(query, area=area, city=city)
    if answer.intent not in ("sorting", "clarify") or not _about(answer, query):
        return None
    answer.text = texts.AREA_SET[area] + "\n" + answer.text
    answer.extra.update(command="set_area", area=area, follow_up=query)
    return answer


def _colour_asked(kb: KnowledgeBase, query: str, norm: str, *, area: str | None, city: str | None) -> Answer | None:
    """ "放红桶吗" after an item: whether it goes in the bin of that colour, and where it does go."""
    match = _COLOUR_BIN.search(norm)
    if match is None or not _COLOUR_FRAME.match(norm[: match.start()] + norm[match.end() :]):
        return None
    candidate = f"{query}是{_COLOURS[match['colour']]}吗"
    answer = kb.answer(candidate, area=area, city=city)
    if answer.intent != "sorting" or len(answer.items) != 1 or not _about(answer, query):
        return None
    answer.extra["follow_up"] = candidate
    return answer


def _doubted(kb: KnowledgeBase, query: str, norm: str, *, area: str | None, city: str | None) -> Answer | None:
    """ "确定吗", "真的吗，不是可回收吗" after an answer: the item again, a guessed bin answered yes or no."""
    match = _DOUBT.match(norm)
    if match is None:
        return None
    guess = _TRAILING.sub("", norm[match.end() :]).strip(" ，")
    if guess and (len(guess) > 8 or not guess.startswith(("不是", "是", "不该", "应该"))):
        return None
    asked = re.sub(r"^(?:不是|不该|应该)", "是", guess)  # "不是可回收吗" asks what "是可回收吗" asks
    candidate = f"{query}{asked}吗" if asked else query
    answer = kb.answer(candidate, area=area, city=city)
    if answer.intent not in ("sorting", "clarify") or len(answer.items) > 1 or not _about(answer, query):
        return None
    answer.extra["follow_up"] = candidate
    return answer


# "要钱不", "清运要花钱不", "上门收要收费吗", "收不收费": whether taking the item away costs money.
_COST = re.compile(
    r"^(?:那|那个|这个)?(?:清运|上门收|上门来收|上门|回收|拉走|收走|运走|处理|扔)?(?:的话)?(?:要|需要|得|要不要|需不需要|收不收|收)?"
    r"(?:花钱|要钱|钱|收费|费用|交钱|付钱|给钱|费)(?:吗|不|么|嘛|没|呢|啊|吧)*$"
)


def _cost_asked(kb: KnowledgeBase, query: str, norm: str, *, area: str | None, city: str | None) -> Answer | None:
    """ "要钱不" after an item: the item's answer again, with the fee left to the property or community (no fee
    schedule is loaded), never the generic reply."""
    said = norm.replace(" ", "")
    if len(said) > 12 or _COST.match(said) is None:
        return None
    answer = kb.answer(query, area=area, city=city)
    if answer.intent != "sorting" or len(answer.items) != 1 or not _about(answer, query):
        return None
    answer.text = texts.COST_NOT_KNOWN + "\n" + answer.text
    answer.extra["follow_up"] = f"{query}{said}"
    answer.extra["about"] = query
    return answer


# "那单位呢", "周末呢" after an FAQ: who or when, said alone, asks the same FAQ again.
_WHO = re.compile(
    "单位|企业|公司|工厂|厂里|饭店|餐馆|饭馆|商户|商家|店里|店铺|学校|机关|个人|居民|小区|村里|农村|物业|外地人|租户"
)
_ABOUT_WHOM = re.compile(r"^(?:那|那么|那要是|要是|如果是?)?(?P<who>[\u4e00-\u9fff]{1,5}?)(?:的话)?(?:呢|咧|嘞)$")


# How to put an item out, asked with no item of its own ("要压扁吗", "要不要包一下", "需要先洗干净再扔吗").
_PREPARE = re.compile(
    r"(?:还|那)?(?:要|需要|用|得|该|必须|是不是要|是不是得)(?:不要|不用|不需要)?(?:先|提前)?(?:把它|给它)?"
    r"(?:压扁|踩扁|压一下|踩一下|洗|冲|涮|清洗|洗干净|冲干净|涮干净|包|包起来|包好|包一下|裹|裹起来|拆|拆开|拆下来|撕|撕掉"
    r"|撕下来|晾干|沥干|控干|倒空|倒掉|倒干净|擦|擦干净|弄干净|装袋|套袋|装起来|分开|单独放|密封|封好|封起来|绑|捆|捆起来"
    r"|叠|折|压|踩|剪|剪开|剪碎|去掉|拿掉|剁|剁碎|砸|砸碎|敲碎|切|切碎|弄碎|弄扁|晒干|控水|沥水|去皮)(?:一下|起来|好|干净|开|掉|扁|一遍)?(?:再|然后)?(?:扔|丢|放|投|倒)?(?:吗|么|嘛|不|没)?"
)
_POINTS_BACK = re.compile(r"^(?:那|那么)?(?:它|刚才|刚刚|前面|上面|那个|这个)|^那.{1,6}呢$")


def _points_back(norm: str) -> bool:
    """The message points at something said before ("那它的盒子呢", "刚才那个…", "那香蕉皮呢"), or only asks
    how to put it out ("要压扁吗")."""
    bare = norm.replace(" ", "")
    return _POINTS_BACK.search(bare) is not None or _PREPARE.fullmatch(_TRAILING.sub("", bare)) is not None


def _faq_again(
    kb: KnowledgeBase, last: dict[str, Any], norm: str, *, area: str | None, city: str | None
) -> Answer | None:
    """The FAQ just answered again for a follow-up that names no item ("那单位呢" after the fines), else None."""
    key = str(last.get("faq") or "")
    said = _ABOUT_WHOM.match(norm.replace(" ", "")) if key else None
    if said is None:
        return None
    if _WHEN_WORD.fullmatch(said["who"]) is None and _WHO.fullmatch(said["who"]) is None:
        return None  # "那无废细胞呢", "那电池呢": a new topic or item, not the same question for someone else
    answer = kb.faq_answer(key)
    if answer is not None:
        answer.extra["follow_up"] = norm
    return answer


# A day or an hour said alone after an item ("那周末呢", "明天呢", "下午去扔行吗"): when to put it out.
_WHEN_WORD = re.compile(
    "今天|明天|后天|昨天|周末|礼拜天|礼拜[一二三四五六日]|星期[一二三四五六日天]|周[一二三四五六日]|早上|早晨|一早"
    "|上午|中午|下午|傍晚|晚上|夜里|半夜|凌晨|今晚|明早|明晚|过年|春节|节假日|假期|放假|国庆|五一|明年|今年"
    "|下个月|下周|这周|[0-9]+点|[0-9一二三四五六七八九十两]+点(?:钟|半|以后|之后|以前|之前|多)"
)  # "一点呢" alone is an amount (a little), not one o'clock
_WHEN_FRAME = re.compile(
    r"^(?:那|那么|要是|如果|的话|再|去|来|也|还|都|能|可以|行|中|扔|倒|投|放|一样|不行|不|没|吗|么|嘛|呢|啊|呀|吧"
    r"|上门|拉走|收走|运走|来收|来拉|来取|有人|物业|社区|你们|收|拉|走|，|\s)*$"
)


def _when_or_where(kb: KnowledgeBase, query: str, norm: str, *, area: str | None, city: str | None) -> Answer | None:
    """ "那周末呢", "明天呢" or "有人上门收吗" after an item: when it can be put out (the drop-off FAQ) or who fetches
    it (the FAQ of its stream), with the item's answer after it; never the item read together with a time."""
    from knowledge.core import TAKE_ASK  # the core imports this module: read at call time

    said = norm.replace(" ", "")
    if len(said) > 12:
        return None
    timed = _WHEN_WORD.search(said) is not None
    taken = TAKE_ASK.search(said) is not None
    if not (timed or taken) or _WHEN_FRAME.match(_WHEN_WORD.sub("", said)) is None:
        return None
    sorting = kb.answer(query, area=area, city=city)
    asked = sorting.intent == "clarify" and sorting.pending is not None and not sorting.items
    if not asked and (sorting.intent != "sorting" or len(sorting.items) != 1 or not _about(sorting, query)):
        return None
    answer = kb.take_away(sorting, "上门" if taken else "")
    if answer is None:
        answer = kb.faq_answer("scheduled_drop")
        if answer is None:
            return None
        answer.text, answer.items = texts.SAME_EVERY_DAY + answer.text + "\n" + sorting.text, sorting.items
    if asked:  # "明天呢" while "哪种电池？" is open: the times, and the question still open
        answer.pending, answer.choices = sorting.pending, sorting.choices
    answer.extra["follow_up"] = f"{query}{said}"
    answer.extra["about"] = query
    return answer


# "两个都是厨余吗", "它俩都能卖吗": one question about both items just talked about
_BOTH_ASK = re.compile(
    r"^(?:那)?(?:它们|它俩|俩|两个|两样|两种|这俩|这两个|这两样|这两种)(?:都|也都|是不是都)(?P<ask>.{1,10})$"
)


def _both_asked(
    kb: KnowledgeBase,
    last: dict[str, Any],
    query: str,
    norm: str,
    earlier: Sequence[str],
    *,
    area: str | None,
    city: str | None,
) -> Answer | None:
    """ "两个都是可回收的吗" after a list of two or two items asked apart: both answered, each in its own bin."""
    said = _BOTH_ASK.match(norm.replace(" ", ""))
    if said is None or _TOGETHER.match(norm.replace(" ", "")) is not None:
        return None  # "俩都能放一起吗" is _together's
    listed = [str(q) for q in last.get("items") or ()]
    named = listed if len(listed) == 2 else [earlier[0], query] if earlier and query else []
    if len(named) != 2:
        return None
    answer = kb.answer("和".join(named) + said["ask"], area=area, city=city)
    if answer.intent != "sorting" or len(answer.items) != 2:
        return None
    answer.extra["follow_up"] = "和".join(named) + said["ask"]
    answer.extra.pop("list", None)
    return answer


def _together(
    kb: KnowledgeBase, query: str, norm: str, earlier: Sequence[str], *, area: str | None, city: str | None
) -> Answer | None:
    """ "能放一起吗" after two items: both answered, with whether they share a bin."""
    if not earlier or _TOGETHER.match(norm.replace(" ", "")) is None:
        return None
    both = f"{earlier[0]}和{query}"
    answer = kb.answer(both, area=area, city=city)
    if answer.intent != "sorting" or len(answer.items) != 2:
        return None
    first, second = (i.category for i in answer.items)
    lead = texts.TOGETHER_YES.format(category=first) if first == second else texts.TOGETHER_NO
    answer.text = lead + "\n" + answer.text
    answer.extra["follow_up"] = both
    return answer


_HEADS = sorted(PART_NOUNS, key=len, reverse=True)
_VESSELS = (
    "纸箱子",
    "纸箱",
    "纸盒",
    "纸杯",
    "餐盒",
    "饭盒",
    "盒子",
    "箱子",
    "杯子",
    "瓶子",
    "罐子",
    "盒",
    "箱",
    "杯",
    "瓶",
    "罐",
    "桶",
)


_EMPTIED = re.compile(r"^(?:空的|空|旧的|剩下的|剩的|那个|这个)")
_USED_UP = re.compile(
    r"^(?:已经|都|也)?(?:用完|用光|喝完|吃完|空了|没了|没有了|洗过|洗干净|洗了|冲过|冲干净|倒了|倒掉了)"
)


_USED_UP_OF = re.compile(r"^(?:已经)?(?:喝完|用完|吃完|用光|喝光|吃光)了?的")


def _part_said(rest: str) -> str:
    """The part noun of a reply that says a state and names a part ("用完了，空罐子" → 罐子, "空瓶子" → 瓶子), or ""."""
    clauses = [c for c in rest.split("，") if c]
    if len(clauses) == 1 and _USED_UP_OF.match(clauses[0]):  # "喝完的空瓶", "用完的瓶子"
        noun = _EMPTIED.sub("", _USED_UP_OF.sub("", clauses[0]))
        return noun if noun in PART_NOUNS else ""
    kept = [c for c in clauses if not _USED_UP.match(c)]  # "药吃完了" names an item: not only a state
    if len(kept) != 1 or (len(clauses) == 1 and not _EMPTIED.match(kept[0])):
        return ""
    noun = _EMPTIED.sub("", kept[0])
    return noun if noun in PART_NOUNS else ""


# What got on the item or is left in it, said after it ("沾了油漆", "上面溅了好多油", "瓶子上沾了机油", "里面还有奶没喝完"):
# the thing named after the verb is a stain or the contents, never the item asked about (c18 沾了油漆 after 旧衣服).
_STAIN = re.compile(
    r"^(?:(?:瓶子|盒子|箱子|袋子|罐子|杯子|桶|瓶|盒|箱|袋|罐|杯)?(?:上面|里面|里头|里边|外面|表面|上头|上|里))?"
    r"(?P<said>(?:都|也|还|全|已经)?(?:(?P<stain>(?:沾|粘|溅|蹭|洒|撒|染|弄)(?:了|上|满|到)+)|还有|还剩|剩了|剩下)"
    r"(?P<what>[^，\s]{1,8}))$"
)


def _stained(
    kb: KnowledgeBase, query: str, rest: str, last: dict[str, Any], *, area: str | None, city: str | None
) -> Answer | None:
    """The item with what got on it or is left in it ("沾了油漆的旧衣服"), or an honest doubt about it in that state;
    None when `rest` says no such thing."""
    match = _STAIN.match(rest)
    if match is None:
        return None
    said = match["said"].removesuffix("的").removesuffix("了")
    candidates = [f"{said}的{query}"]
    if not match["stain"]:  # "还有一半油": the rule's own states read it first ("油桶，还有油")
        candidates[:0] = [f"{query}，{_HALF.sub('', rest)}", f"{query}，{rest}"]
    stain = kb.answer(match["what"].removesuffix("的").removesuffix("了"), area=area, city=city)
    hazard = [i.category for i in stain.items] in (["有害垃圾"], ["非生活垃圾"])  # 油漆, 机油, 农药: not settled
    for candidate in dict.fromkeys(candidates):
        answer = kb.answer(candidate, area=area, city=city)
        if answer.extra.get("unknown") or len(answer.items) > 1:
            continue  # "牛奶盒，里面还有奶": 奶 read as an item of its own
        if hazard and [i.category for i in answer.items] != ["有害垃圾"]:
            break  # "瓶子上沾了机油": a thing soiled with a hazardous substance is no plain soiled bottle
        if answer.intent in ("sorting", "clarify") and _about(answer, query):
            answer = _with_kind(kb, answer, last, area=area)  # "不锈钢的" then "沾了油呢": still steel
            answer.extra.update(follow_up=candidate, about=query)
            return answer
    candidate = candidates[-1]
    text = texts.UNKNOWN_ITEM.format(query=f"{said}的{query}") + texts.GENERAL_RULE
    return Answer("unknown", text, 0.0, "fallback", extra={"unknown": [candidate], "follow_up": candidate})


def _sibling(kb: KnowledgeBase, query: str, stem: str) -> str:
    """ "核桃壳" for "核桃的" after 花生壳: the catalogue name made of the stem said and the last item's head noun."""
    head = next((n for n in _HEADS if query.endswith(n) and len(query) > len(n)), "")
    name = stem + head
    if not head or not stem or name == query or name not in kb.matcher.by_surface:
        return ""
    own = kb.matcher.by_surface.get(query)
    if kb.matcher.by_surface[name].kinds and own is not None and not own.kinds:
        return ""  # "猪的" after 大骨头: a big pig bone (猪大骨), not 猪骨头, which would ask the size again
    return name


def _without_vessel(query: str) -> str:
    """ "外卖盒" → "外卖": the product a box, cup or bottle was named after, or "" when the name is no vessel of one."""
    end = next((v for v in _VESSELS if query.endswith(v)), "")
    return query[: -len(end)] if end and len(query) - len(end) >= 2 else ""


def _back_to(rest: str, queries: Sequence[str]) -> tuple[str, str] | None:
    """(item, what is said about it) when `rest` starts with the head noun of an item talked about ("箱子淋湿了" →
    快递纸箱, "淋湿了"); the last item only when something is said about it (else the usual reading applies)."""
    noun = next((n for n in _HEADS if rest.startswith(n)), None)
    if noun is None:
        return None
    head, state = noun.removesuffix("子"), rest[len(noun) :].strip(" ，")
    if len(head) != 1:
        return None  # "瓶盖" is a part of the bottle, not the bottle
    for ending in (True, False):  # the item whose name ends with the noun first, then one that holds it
        for i, named in enumerate(queries):
            if named and (named.endswith(head) if ending else head in named) and (state or i > 0):
                return named, state
    return None


def _moved_by_name(answer: Answer, alone: Answer) -> bool:
    """True when the part read with the item's name is the same catalogue item as the part said alone, in another
    bin: only the item's name changed it ("油桶纸箱" read as an oily box), not anything the resident said of it."""
    if len(answer.items) != 1 or len(alone.items) != 1 or alone.intent != "sorting":
        return False
    return answer.items[0].name == alone.items[0].name and answer.items[0].category != alone.items[0].category


def _rule_with_part(kb: KnowledgeBase, query: str, rest: str, *, area: str | None, city: str | None) -> str | None:
    """The rule that answered `query` when its parts name `rest` ("布洛芬" is answered by 过期药品, whose parts list
    药板（铝塑板）), or None: the part is read in the sense the item gives it, not as a thing of its own."""
    answer = kb.answer(query, area=area, city=city)
    if answer.intent != "sorting" or len(answer.items) != 1:
        return None
    name = answer.items[0].name
    entry = kb.matcher.by_surface.get(name)
    return name if entry is not None and entry.parts and part_named(entry, rest) is not None else None


def _with_parts(kb: KnowledgeBase, query: str) -> str | None:
    """The name of the item whose local rule lists its parts: the query itself or the start of it ("奶茶杯" → 奶茶)."""
    for end in range(len(query), 1, -1):
        entry = kb.matcher.by_surface.get(query[:end])
        if entry is not None and entry.parts:
            return query[:end]
    return None


def _describes(rest: str, alone: Answer) -> bool:
    """True for a description without an item of its own ("有油的", "已经洗过了", "铁的"), not for "纸巾"."""
    if rest.endswith("的") and len(rest) <= 5:
        return True  # "铁的", "塑料的": a material or state, even where the word alone names something
    clauses = [c for c in rest.split("，") if c]
    if len(clauses) > 1 and all(_is_state(c) for c in clauses):
        return True  # "没有油，很干净": two states, whatever a word of them might name alone
    guessed = alone.source.startswith("model:")  # "没有油" read as an unknown item is only the model's guess
    if not guessed and (alone.items or alone.pending is not None or alone.intent != "unknown"):
        return False
    return all(_is_state(clause) for clause in clauses)


def _rule_reads(kb: KnowledgeBase, query: str, rest: str, alone: Answer) -> bool:
    """True when a reply that names nothing else holds a word of the item's own states ("就几根，阳台剪的",
    "两三根，盆栽里的" after 树枝: the 枯枝落叶 rule's 几根, 阳台, 盆栽)."""
    entry = kb.matcher.by_surface.get(query)
    words = {w for c in entry.conditions for w in c.words} if entry is not None else set()
    if not words or alone.pending is not None or alone.intent not in ("unknown", "sorting"):
        return False
    if any(i.query not in words for i in alone.items):
        return False  # "那鸡骨头呢" names an item of its own; "盆栽里的" names where the twigs came from
    return any(w in rest for w in words)


def _is_state(clause: str) -> bool:
    """One clause that only says a state ("里面还有油", "很干净", "湿了")."""
    if 0 < len(clause) <= 12 and _QUANTITY.search(clause):
        return True  # "很多", "院子里扫了好几大袋"
    clause = _DEGREE.sub("", _WHERE.sub("", clause))  # "里面还有油", "挺干净"
    return 0 < len(clause) <= 6 and (
        clause.endswith(("了", "过"))
        or clause.startswith(("有", "没", "带", "沾", "是", "还有"))
        or clause.rstrip("的") in _STATE_WORDS
    )


def _asks_about_it(norm: str, alone: Answer) -> bool:
    """A short question with no item of its own: a bin named ("是有害垃圾吗") or only a sorting cue ("能回收吗")."""
    if len(norm) > 8 or alone.items or alone.pending is not None:
        return False
    if alone.intent == "faq" and alone.source.startswith("category:"):
        return norm.endswith(("吗", "么", "不", "没")) or "是不是" in norm  # yes or no, not "有害垃圾有哪些"
    bare = alone.intent == "unknown" or alone.source == WHICH_ITEM_SOURCE  # "扔哪" alone asks which item
    return bare and not alone.extra.get("unknown") and any(c in norm for c in _CUES)


def _about(answer: Answer, query: str) -> bool:
    """The answer is about the item talked about (or a part of it), not about something else in the message."""
    if answer.pending is not None:
        return query in str(answer.pending.get("query", "")) or str(answer.pending.get("query", "")) in query
    return bool(answer.items) and any(query in i.query or i.query in query for i in answer.items)
