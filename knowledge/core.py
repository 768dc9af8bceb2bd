"""The answer core: a read-only snapshot of the knowledge that turns one message into an Answer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from knowledge import texts
from knowledge.answer import Answer, Choice, ItemAnswer
from knowledge.catalogue import LOCAL_SOURCE, RULE_SOURCE, Entry, Option
from knowledge.context import (
    LAST,
    WHICH_ITEM_SOURCE,
    all_kinds,
    asks_without_item,
    choice_number,
    corrected,
    dont_know,
    follow_up,
    kind_choices,
    none_of_them,
    points_at_nothing,
    split_area,
    which_item,
)
from knowledge.lexicon import (
    ACKS,
    ADDRESS_TERMS,
    CATEGORY_WORDS,
    CONTACT_ASK_PATTERN,
    FACILITY_ASK_PATTERN,
    FILLER,
    GENERIC_CONTAINERS,
    GOODBYES,
    GREETINGS,
    HELP_WORDS,
    IDENTITY,
    SORTING_CUES,
    THANKS,
)
from knowledge.matching import STILL_HOLDS, Found, Matcher
from knowledge.normalize import normalize
from knowledge.pinyin import PinyinReader, pinyin_key
from knowledge.places import ZHENGZHOU_AREA, bare_name, outside_zhengzhou
from knowledge.segment import base_frequency


@dataclass(frozen=True)
class Faq:
    """A plain question and its answer; matches when all words of any keyword set appear."""

    key: str
    title: str
    keywords: tuple[tuple[str, ...], ...]
    answer: str
    source: str = ""

    def match(self, text: str) -> tuple[str, ...]:
        """The best keyword set found in the text (most characters), or () when none matches."""
        sets = [words for words in self.keywords if words and all(w in text for w in words)]
        return max(sets, key=lambda words: sum(len(w) for w in words), default=())

    def score(self, text: str) -> int:
        """Characters matched by the best keyword set, 0 when none matches."""
        return sum(len(w) for w in self.match(text))


class PolicyAnswerer(Protocol):
    """Answers questions about the 方案 (see knowledge.policy)."""

    def answer(self, text: str, *, city: str | None) -> Answer | None:
        """An answer, or None when the text is not about the plan."""

    def names_place(self, text: str) -> bool:
        """True when the text names the place of a loaded plan."""

    def has_plan(self, city: str | None) -> bool:
        """True when a plan of the resident's city is loaded."""

    def named_place(self, text: str) -> str | None:
        """The place of a loaded plan the text names, or None."""

    def term_said(self, text: str, *, city: str | None) -> str | None:
        """Where the resident's plan (any plan when asked which place) writes a quoted term the text names."""


_PARTICLES = re.compile(r"[啊呀吧哦噢嘛哈呢啦了的哇咧呐哟吖嗷!~ ]+$")
# "还有沐浴露瓶" opening a message adds an item ("and also"), never says what is left inside one ("还有半瓶", "还有油",
# "还有酸奶的酸奶盒": a clause with 的 before a container says what the container still holds)
_ALSO_OPENER = re.compile(
    r"^(?:还有|另外还有)(?:那个|这个|就是)?(?=[\u4e00-\u9fff]{2})"
    r"(?![一半点些剩奶水汤油酒没不好什啥哪谁多其别个件样])"
    r"(?![^，,。？?！!]*的[^，,。？?！!]*[瓶盒罐桶杯袋壶])"
)
_NAME_OPENER = re.compile(r"(那|那个|那么|那这个|还有|还有那个)?(装|装过|盛|盛过)?")
_AREA = {
    "rural": re.compile(
        r"^(我|咱)?(们)?(家)?(住)?(在)?(是)?(农村|乡下|村里|村上|村民|村|庄上|庄里)(的|人|居民|里)?(人)?$|^切换(到)?农村(模式)?$"
    ),
    "urban": re.compile(
        r"^(我)?(家)?(住)?(在)?(是)?(城区|城市|城里|市区|小区)(的|人|居民)?(人)?$|^切换(到)?(城区|城市)(模式)?$"
    ),
}
# one of these characters is in every text _AREA matches (keep them in step): most messages skip both patterns
_AREA_CHARS = {"rural": frozenset("村乡庄"), "urban": frozenset("城市区")}
_ANY_AREA_CHAR = frozenset().union(*_AREA_CHARS.values())
# Words that ask about the plan rather than a bin: with them a concrete plan answer beats a sorting answer.
_POLICY_CUE = re.compile(
    r"多少|目标|利用率|比例|比率|指标|要求|牵头|负责|任务|方案|达到|百分之|%|配合|协办|协助|责任单位|哪个部门|报送|经费"
    r"|几座|几家|几所|几场|(?<![好十])几个|谁|哪个单位|哪些单位|哪些部门|保障|为重点|重点是|重点有|上报|多久|多长时间|协同|占比|处理能力"
    r"|参与|管不管|归哪个|哪个局|主办|几处|几名|几批|多少处|谁来管|谁管|不力"
    r"|几成|(?:什么|啥)程度|(?:什么|啥)时候禁"  # "下降几成", "覆盖到什么程度", "啥时候禁用": a plan's figure or date
    r"|基数|基准年|基期|哪一?年比|年的?基础上"  # "能耗下降跟哪年比", "基准年是哪年": a plan figure's base year
    r"|到哪一?年"  # "商场超市禁止不可降解塑料袋是到哪年": a measure's year in the plan
    r"|(?:什么|啥)时候(?:完成|建成|建完|弄完|搞完|做完|干完|投运|投入运行)|完成时限|完成时间"
    r"|(?:什么|啥)时候(?:采购|购置|配齐|配备|安装|改造|整改|验收)完?"  # "收集车辆什么时候采购完": a task's date
    r"|哪些(?:地方|乡镇|街道|社区|小区|村)(?:搞|建|推行|开展|试点|先搞|先行)"  # "示范小区在哪些地方搞": where a task runs
    + "|"
    + CONTACT_ASK_PATTERN  # a contact, no item
    + r"|几台|几辆|几套|多少户|设在哪|无废办|增长多少|(?:覆盖|处理|处置|使用|普及|知晓|合格|立案|上市|运输)率"
    r"|(?:哪年|哪一年|几月|(?:什么|啥)时候|何时)[^，。？?]{0,4}?(?:完成|建成|建好|建完|弄完|搞完|做完|干完|开始|实施|到位|投运|投用)"
)
# What a plan does about an item, asked with no word about bins: "宾馆还会主动提供一次性用品吗", "推广用什么地膜",
# "外卖还能用不可降解的塑料餐具吗" ask the plan's rule, not the bin (the plan answers only when a sentence covers it)
_PLAN_ACTION = re.compile(
    "主动提供|推广|补贴|试点|应急处置|禁止使用|限制使用|还能用|能不能用|还让用|能不能烧|能烧|协同处置|政策|规定"
    "|(?:怎么|咋|如何)(?:说|讲|写|提)的?$"  # "秸秆利用的治理路径怎么说的": what the plan says
    "|(?:啥|什么)(?:分类|回收|管理)?(?:机制|模式|体系|制度)"  # "农膜回收是啥机制", "用的什么分类体系": a scheme, never a bin
    "|能用[\u4e00-\u9fff]{1,12}[不吗么]$"  # "外卖能用不可降解塑料餐具不": the spoken 还能用…吗
    "|还(?:给|提供|发|送)[\u4e00-\u9fff]{1,12}[不吗么]$"  # "宾馆酒店还给一次性塑料用品吗": the plan's ban
    "|奖补|以奖代补"  # "奖补咋弄": the plan's money rule, never an item
    "|实现(?:什么|啥)"  # "原生生活垃圾要实现什么": the plan's aim, never a bin
    "|(?:怎么|咋|如何)(?:解决|治理|整治)"  # "农田白色污染咋解决": what the plan does about it
)
# who does it: a unit of the plan, never an FAQ's how-to ("槿山县快递包装这块谁负责")
_DUTY_ASK = re.compile("谁|哪个部门|哪个单位|哪些单位|哪些部门|哪个局|归哪|负责|牵头|配合|协办")
# how to get rid of a thing: an unknown item asked so stays on the item path ("新郑量子纠缠器咋处理")
_DISPOSAL_ASK = re.compile("扔|丢|放|倒|投|处理|处置|咋办|怎么办|回收|属于|哪类|桶")
# "再生建材用在哪": what a thing is used for is the plan's sentence, never a bin (asked of the resident's city's plan)
_USE_ASK = re.compile("用在哪|用到哪|用于哪|用在什么|用途")
# "有意见打哪个电话": a contact asked, never an item (the 电话) to sort
_CONTACT_ASK = re.compile(CONTACT_ASK_PATTERN)
_PLAN_ASK_FORM = re.compile(r"[吗么嘛不没][？?]?$|([\u4e00-\u9fff])[不没]\1|是否|用在哪|用到哪|用于哪|用途")
_BIN_ASK = re.compile(
    "扔|丢|放哪|放到|倒哪|倒在|投放|属于|什么垃圾|啥垃圾|哪类|哪一类|桶|可回收|有害|厨余|其他垃圾|干垃圾|湿垃圾|怎么分"
)
# Public spaces have two bins only (domain.md): 可回收物 and 其他垃圾.
_PUBLIC_PLACE = re.compile("公园|广场|路边|马路|街上|大街|车站|地铁|公交|景区|商场|公共场所")
_PLAN_ONLY = re.compile(
    "牵头|协办|主办单位|配合单位|协同单位|责任单位|主责单位|参与部门|配合部门|报送|保障措施|推进不力"
    "|(?:什么|啥)时候(?:完成|建成|建完|弄完|搞完|做完|干完|投运|投入运行)|完成时限|完成时间"
    "|(?:哪年|哪一年|几月)[^，。？?]{0,4}?(?:完成|建成|建好|建完|弄完|搞完|做完|干完|开始|实施|到位|投运|投用)"
)  # only a plan question says these
# FAQs about a consequence asked together with an item: answered first, the item's bin after it
_FAQ_WITH_ITEM = frozenset({"fines"})
# How often before an amount ("尿不湿一天好几包", "快递箱每天十几个", "猫砂一周一袋"): dropped, the amount kept.
_FREQUENCY = re.compile(
    r"(?:(?:每|一)(?:天|日|周|星期|礼拜|个月|月|年)|天天)(?:都|就|也|要|得|会|能)*(?:有|扔|用|换|攒|出)?"
    r"(?=(?:[0-9]+|[一二两三四五六七八九十几好半俩仨]+)(?:大|小)?"
    r"(?:个|包|袋|片|块|条|箱|斤|盒|瓶|罐|桶|碗|盆|张|根|节|双|件|堆|筐|车|摞|捆|兜|杯|只|支|粒|颗|卷|沓|提|打))"
)  # "每月几号前报送" asks a date: no measure word follows
_FREQUENCY_CHARS = frozenset("天日周期拜月年")
# A use said of the item ("橘子皮能做肥料", "果皮可以沤肥"): the fertiliser is no item to sort.
_COMPOST_CLAIM = re.compile(
    "(?:能|可以|可|拿来|用来|拿去)(?:做|当|沤|作|堆)(?:成)?(?:花肥|肥料|堆肥|有机肥|农家肥|肥)"
)  # the verb needs 能/可以 before it: "堆肥房建设谁配合" names a compost house in a plan question
# Where to take a thing or who fetches it ("旧家具能上门回收吗", "废品回收站在哪里能卖纸板"): the FAQ for the
# item's stream answers the question asked, then the item's bin; a fee question stays with the item (COST_NOT_KNOWN).
# "收废品的收不收易拉罐" asks whether the thing is taken (its bin answers that), not where to take it.
TAKE_ASK = re.compile(
    "上门|拉走|收走|运走|来收|来拉|来取|卖给谁|哪(?:里|儿)?(?:能|可以)?卖"
    "|(?:回收站|回收点|废品站)[^，。？?]{0,6}哪|哪[^，。？?]{0,4}(?:回收站|回收点|废品站)"
)
_TAKE_FAQ = {
    "大件垃圾": "bulky_waste_booking",
    "装修垃圾": "renovation_waste",
    "有害垃圾": "hazardous_where",
    "可回收物": "recyclables_sell",
    "厨余垃圾": "scheduled_drop",
    "其他垃圾": "scheduled_drop",
}  # 园林 and 非生活 streams have no FAQ: their item answer says who takes them
_FEE_WORD = re.compile("钱|费")
_PROGRAMME_WORD = re.compile("填埋|坑里埋|工业固废|工业固体废物|污泥|飞灰|炉渣|焚烧发电")
# A stream's facilities, capacity, sites and fees ("新郑医疗废物处置能力怎么提升", "建筑垃圾消纳场在哪",
# "填埋场渗滤液怎么处理", "建筑垃圾清运费多少钱一吨") are the plan's business (or its honest "not written"), never a bin
_FACILITY_ASK = re.compile(FACILITY_ASK_PATTERN)
# money asked ("补贴多少钱", "奖励多少", "一个月工资多少"): an FAQ with no sum in it does not answer it
_AMOUNT_ASK = re.compile("多少钱|几块钱|多少元|(?:补贴|补助|奖励|奖金|奖补|工资|费用)(?:是|有|能有|给)?多少")
_AMOUNT_SAID = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?\s*[万千百]?(?:元|块)")
# an FAQ answer opening with a yes ("会。") answers a yes/no question; other questions get the rest of it
_YES_OPENING = re.compile("^(会|是的|可以|能|要|需要)。")
_YES_NO_FORM = re.compile(r"[吗么嘛][？?]?$|([\u4e00-\u9fff])[不没]\1|是否|[不没][？?]?$")
_PLAN_WORD = re.compile("利用率|回收率|覆盖率|普及率|使用率|处理率|满意度|参与度|指标|方案")
# Two things mixed together: "带(着)X的Y" and "Y里(面)(还)有X" (see Knowledge._mixture)
_MIX_END = r"(?=扔|放|倒|怎么|属于|是|要|该|能|算|$|，)"
_WITH_THING = re.compile(
    rf"(?P<lead>带着|带有|连着|混着|带)(?P<x>[\u4e00-\u9fff]{{2,6}}?)的(?P<y>[\u4e00-\u9fff]{{2,6}}?){_MIX_END}"
)
_THING_INSIDE = re.compile(
    rf"(?P<y>[\u4e00-\u9fff]{{2,6}}?)(?:里面|里头|里边|里)(?:还)?(?:有|混着|混了|夹着|掺着)(?P<x>[\u4e00-\u9fff]{{2,6}}?){_MIX_END}"
)
_THROWN_HOLDERS = ("盒", "盒子", "袋", "袋子", "杯", "杯子", "碗", "瓶", "瓶子", "罐", "罐子")
_QUANTITY_LEAD = re.compile("^(?:一点|一些|点|些|不少|好多|很多|少量|半)")
_LATIN = re.compile(r"[a-z]{2}")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9]*")


def _picked(norm: str, offered: int) -> int | None:
    """The 1-based option a reply picks among `offered` (0 or beyond them when out of range), None for no number."""
    n = choice_number(norm)
    return offered if n == LAST else n


# every character of the small-talk forms _smalltalk_or_command accepts (with the particles it strips)
_SMALLTALK_CHARS = frozenset("".join(HELP_WORDS | GREETINGS | THANKS | IDENTITY | GOODBYES | ACKS) + "啊呀啦哈吗 ")
_ACKS_LONGEST_FIRST = sorted(ACKS | THANKS, key=len, reverse=True)
_ACK_CHARS = frozenset("".join(_ACKS_LONGEST_FIRST))  # a character outside every acknowledgement is never removed
_THANKING = ("谢", "thank", "thx", "3q")


_ADDRESS = re.compile("|".join(ADDRESS_TERMS))
_ACK_PARTICLE_CHARS = "啊呀哈嘛呢啦哒嘞哦噢喔哇呐哟吖 ，、."
_ACK_PARTICLES = re.compile(f"[{_ACK_PARTICLE_CHARS}]")
# every character _only_acks can remove or accept: a text holding any other is never only acknowledgements
_ACK_TEXT_CHARS = _ACK_CHARS | frozenset("".join(ADDRESS_TERMS)) | frozenset(_ACK_PARTICLE_CHARS)


def _only_acks(text: str) -> bool:
    """True for "哈哈哈 中", "好嘞好嘞", "谢谢师傅", "好哒～": nothing but acknowledgements, thanks and address terms."""
    if not _ACK_TEXT_CHARS.issuperset(text) or not text.strip():
        return False  # most messages: one set check before the replacements
    plain = _ADDRESS.sub("", text).replace(" ", "").replace("，", "").replace("、", "")
    # with its particles ("谢啦", "嗯呢" are words of the lists), then without them ("好哒", "知道啦")
    return _all_acks(plain) or (len(text) > 1 and _all_acks(_ACK_PARTICLES.sub("", plain)))


_GOODBYES_LONGEST_FIRST = sorted(GOODBYES, key=len, reverse=True)


def _acks_and_goodbye(text: str) -> bool:
    """True for "谢谢 再见", "好的拜拜": a goodbye said with acknowledgements or thanks, nothing else."""
    rest = text
    for word in _GOODBYES_LONGEST_FIRST:
        rest = rest.replace(word, " ")
    return rest != text and (not rest.strip(" ，、.") or _only_acks(rest))


def _all_acks(rest: str) -> bool:
    """True when `rest` is made of acknowledgement and thanks words only (and is empty after removing them)."""
    if not _ACK_CHARS.issuperset(rest):
        return False  # most messages: one set check instead of a replace per acknowledgement word
    for word in _ACKS_LONGEST_FIRST:
        rest = rest.replace(word, "")
    return not rest


def _source(entry: Entry) -> str:
    if entry.source == LOCAL_SOURCE:
        return f"local_rules.yaml#{entry.name}"
    if entry.source == RULE_SOURCE:
        rule = entry.extra.get("rule")  # a name the catalogue lacks: the generalisation rule or the n-gram model
        if rule == "model":
            return "model:ngram"
        return f"generalise.yaml#{rule}" if rule else f"rule:{entry.name}"
    return f"sorting-items.tsv#{entry.name}"


def _asked_category(norm: str) -> str | None:
    """The bin a yes/no question names ("X是有害垃圾吗" → 有害垃圾), if any."""
    if _ANY_CATEGORY_WORD.search(norm) is None:
        return None  # most messages name no bin: one search instead of a test per word
    if len({CATEGORY_WORDS[w] for w in _ANY_CATEGORY_WORD.findall(norm)}) > 1:
        return None  # "是干垃圾还是湿垃圾": an either-or question is answered with the bin, not with "是的"
    return next((CATEGORY_WORDS[w] for w in _CATEGORY_WORDS_LONGEST_FIRST if w in norm), None)


_CATEGORY_WORDS_LONGEST_FIRST = sorted(CATEGORY_WORDS, key=len, reverse=True)
_ANY_CATEGORY_WORD = re.compile("|".join(map(re.escape, _CATEGORY_WORDS_LONGEST_FIRST)))
# "旧床垫能扔其他垃圾桶吗": a bin after a placing verb is where the item would go, not an item ("其他垃圾桶" is a
# name in the imported list); the bin's category word stays for the yes/no question.
_BIN_AS_PLACE = re.compile(
    r"(?<=[扔放丢倒投装进到在入])(" + "|".join(_CATEGORY_WORDS_LONGEST_FIRST) + r")(?:的)?(?:垃圾)?(?:桶|箱)(?:子)?"
)
# "鱼骨头是绿桶还是灰桶", "能扔红色的桶吗": a bin named by its colour (GB/T 19095-2019) is a bin, never the item
# "灰" or "绿" (nor the imported name "其他垃圾桶"); it reads as its category word for the yes/no question. Only where
# a bin is meant (after a placing verb, 是/还是/或, or at a clause's start): "一个红桶坏了" is a red bucket.
_COLOUR_BIN = re.compile(
    r"(?:^|(?<=[扔放丢倒投装进到在入是还或，\s]))(红|蓝|绿|灰|黑)色?(?:的)?(?:垃圾)?(?:桶|箱)(?:子)?"
)
_BIN_OF_COLOUR = {"红": "有害垃圾", "蓝": "可回收物", "绿": "厨余垃圾", "灰": "其他垃圾", "黑": "其他垃圾"}
# "洗衣液用光了 桶扔哪", "牛奶喝完了，盒子呢": the container of the product just used up.
_USED_UP_CONTAINER = re.compile(
    r"^(?![我你他她它咱])(?P<product>[\u4e00-\u9fff]{1,10}?)(?:用光|用完|喝完|吃完|没)了?(?:以后|之后)?[，\s]*(?:那个|这个|剩下的|剩的)?"
    r"(?P<container>瓶子|罐子|盒子|袋子|桶|瓶|罐|盒|袋)(?P<question>(?![\u4e00-\u9fff]{0,1}[子盖]).*)$"
)
# "生蚝吃完的壳子", "螃蟹吃剩的壳": the part of the food just eaten.
_EATEN_PART = re.compile(
    r"^(?![我你他她它咱])(?P<food>[\u4e00-\u9fff]{1,6}?)(?:吃完|吃剩|剥下来|剥下|啃完|啃剩)了?(?:以后|之后)?(?:的|剩下的)"
    r"(?P<part>壳子|壳|皮|核|籽|骨头|刺)(?P<question>.*)$"
)
# "酸奶盒里还剩了点酸奶", "油桶里还有点油": what is left inside a named container is the container's state, not a
# second item (the food or drink named after it); read as "酸奶盒还剩点" so the container's rule decides. The container
# must be named by more than its holder word ("瓶子里还剩点农药" names the pesticide by what is inside).
_RESIDUE_INSIDE = re.compile(
    r"^(?P<container>[\u4e00-\u9fff]{1,8}?(?:瓶子|罐子|盒子|袋子|杯子|瓶|罐|盒|桶|杯|壶|袋))(?:里面|里头|里边|里)"
    r"(?:还剩(?:了|下)?|剩(?:了|下)|还有)(?:一点儿?|点儿?|一些|些|一半|半瓶|半盒|半罐|半桶|半杯|不少|好多|几片|几粒|一口)"
    r"(?P<content>[\u4e00-\u9fff]{0,6}?)(?P<question>(?:[，,？?！!\s]|咋|怎|扔|放|丢|倒|投|该|要|应|是|属|算|能|可以|呢|吗|啊).*)?$"
)
# a character of the verbs each pattern needs (keep them in step): most messages try neither
_USED_UP_CHARS, _EATEN_CHARS = frozenset("用喝吃没"), frozenset("吃剥啃")
_LIST_WORDS = re.compile("、|分别|各|都|还有|以及|和|跟")  # a list of items, not a story before one question
# "电池不能随便扔，要放有害垃圾，那充电宝也是吗": a statement, then a question about another item with 也 — the statement
# is what the resident heard (no question of its own), the question is about the item after 那
_ALSO_QUESTION = re.compile(r"^那(?:个|么)?[^，]{1,12}?也[^，]{0,6}[吗么嘛吧呢]$")
_STORY_ASKS = re.compile("[吗么呢哪]|什么|怎么|是不是|能不能")
# "(就是)手表里面的那种", "遥控器上用的那种": a clause saying where the item named before it comes from
_THAT_KIND = re.compile(
    r"(?:[，\s]|啊|呀|嗯|就是)+(?:那个|这个)?(?P<from>[^，\s的啊呀是]{1,6}?"
    r"(?:里面|里头|里边|里|上面|上头|上边|上|用|装|带|配)(?:用)?)的(?:那种|这种|那样)"
)
# the 二次四分 words a resident asks in ("算会烂的不", "是好卖的吧"): the answer is given in those terms
_RURAL_TERMS = re.compile("二次四分|会烂的|不会烂|好卖的|不好卖|会不会烂|好不好卖")
# an animal said to have died after its name ("养的仓鼠死了", "金鱼死掉了"): the catalogue says 死仓鼠
_DIED = re.compile(r"(?P<who>[\u4e00-\u9fff]{1,4}?)(?:死了|死掉了|死掉)")
# what an animal or a person sheds, said with the verb between ("狗掉的毛", "猫拉的屎", "鸡身上拔的毛")
_SHED = re.compile(
    r"(?P<who>[猫狗鸡鸭鹅鱼鸟兔])(?:身上)?(?:掉|拉|屙|脱|剪|拔|褪|蜕|吐|尿)(?:下来|出来)?(?:了)?的(?P<what>毛|屎|粪|尿|便便|鳞|皮)"
)
_CLAIM = re.compile("说|讲|听|告诉|写着|贴着|通知|觉得|以为")  # a claim or a notice quoted before the question
_GUESS_SOURCE = "model:ngram"  # a clarifying question from the n-gram fallback: an FAQ or the plan may answer better
_CONTENTS_SOURCE = "rule:容器里还有东西"  # a recyclable container still holding food or drink: emptied or not


_BIN_LABELS = {category: f"{category}（{colour}）" for category, colour in texts.BINS.items() if colour}


def _bin(category: str) -> str:
    return _BIN_LABELS.get(category, category)


class KnowledgeBase:
    """Everything the bot knows, loaded once; `answer` is pure and safe to share between requests."""

    def __init__(self, entries: Iterable[Entry], faqs: Iterable[Faq] = (), policy: PolicyAnswerer | None = None):
        self.entries = list(entries)
        self.matcher = Matcher(self.entries)
        self.by_name = {e.name: e for e in self.entries}
        self.faqs = list(faqs)
        self.policy = policy
        # words of FAQ keyword sets that are not item names: only these can make an FAQ beat an item answer
        self._faq_words = {w for f in self.faqs for words in f.keywords for w in words}
        # the lengths of the keywords by their first character: the substrings worth looking up at each position
        starts: dict[str, set[int]] = {}
        for w in self._faq_words:
            if w:
                starts.setdefault(w[0], set()).add(len(w))
        self._faq_starts = {ch: tuple(sorted(sizes)) for ch, sizes in starts.items()}
        # each keyword set under each of its words, with its FAQ's position and its score (characters)
        self._faq_sets: dict[str, list[tuple[int, int, tuple[str, ...]]]] = {}
        for i, faq in enumerate(self.faqs):
            for words in faq.keywords:
                for w in set(words):
                    self._faq_sets.setdefault(w, []).append((i, sum(map(len, words)), tuple(words)))
        # words that can make an FAQ beat an item answer: not item names, not question or category words
        self._faq_cues = {
            w
            for w in self._faq_words
            if w not in self.matcher.by_surface and w not in FILLER and w not in CATEGORY_WORDS
        }
        # one search for any of them (none: never)
        cues = sorted(self._faq_cues, key=lambda w: (-len(w), w))
        self._cue_pattern = re.compile("|".join(map(re.escape, cues))) if cues else None
        self._pinyin: PinyinReader | None = None  # built on the first message typed in pinyin
        self._latin_surfaces: list[str] | None = None  # catalogue names with Latin letters ("aa电池", "led灯")

    # -- public -----------------------------------------------------------------------------------------------

    def answer(self, text: str, *, area: str | None = None, city: str | None = None) -> Answer:
        """Answer one message; `area` is "rural" for 二次四分 answers, `city` picks the plan."""
        norm = normalize(text)
        if len(norm) <= 12 and _only_acks(norm):
            if any(w in norm for w in _THANKING):  # "中，谢谢", "thank you"
                return Answer("smalltalk", texts.THANKS, 1.0, "smalltalk:thanks")
            return Answer("smalltalk", texts.ACK, 1.0, "smalltalk:ack")
        if len(norm) <= 12 and _acks_and_goodbye(norm):  # "谢谢 再见", "好的 拜拜"
            thanked = any(w in norm for w in _THANKING)
            return Answer(
                "smalltalk", texts.THANKS + texts.GOODBYE if thanked else texts.GOODBYE, 1.0, "smalltalk:goodbye"
            )
        bare = _PARTICLES.sub("", norm)
        if not bare:
            return Answer("smalltalk", texts.EMPTY, confidence=1.0, source="smalltalk")
        small = self._smalltalk_or_command(bare)
        if small is not None:
            return small
        if _LATIN.search(norm) and not self._latin_is_named(norm):
            norm = self._read_pinyin(norm)  # "suliaoping", "kou zhao reng na"
        norm = corrected(norm)  # "不是干电池，是纽扣电池": the item meant
        if norm.startswith(("还有", "另外还有")):
            norm = _ALSO_OPENER.sub("", norm)
        if "肥" in norm:
            norm = _COMPOST_CLAIM.sub("", norm)  # "橘子皮能做肥料": what it is good for, not a second item
        if _FREQUENCY_CHARS.intersection(norm):
            norm = _FREQUENCY.sub("", norm)  # "尿不湿一天好几包": how often says nothing of the bin, the amount stays
        if "桶" in norm or "箱" in norm:
            norm = _COLOUR_BIN.sub(lambda m: _BIN_OF_COLOUR[m[1]], norm)
            norm = _BIN_AS_PLACE.sub(r"\1", norm)
        left = _RESIDUE_INSIDE.match(norm) if "里" in norm else None
        if left is not None and left["container"] not in GENERIC_CONTAINERS:
            norm = left["container"] + "还剩点" + (left["question"] or "")  # "酸奶盒里还剩了点酸奶": the box's state
        if not _USED_UP_CHARS.isdisjoint(norm) and (used_up := _USED_UP_CONTAINER.match(norm)) is not None:
            norm = "".join(used_up.group("product", "container", "question"))
        elif not _EATEN_CHARS.isdisjoint(norm) and (eaten := _EATEN_PART.match(norm)) is not None:
            norm = "".join(eaten.group("food", "part", "question"))
        if "死" in norm and _DIED.search(norm) is not None:
            norm = _DIED.sub(self._died, norm)  # "养的仓鼠死了": a dead hamster (死仓鼠), as the catalogue names it
        if "的" in norm and _SHED.search(norm) is not None:
            norm = _SHED.sub(self._shed, norm)  # "狗掉的毛", "猫拉的屎": the animal's hair, the cat's droppings
        if "那种" in norm and (kind := _THAT_KIND.search(norm)) is not None and kind.start() > 0:
            # "纽扣电池啊就是手表里面的那种": where it comes from says its kind, never a second item (手表)
            answer = self.answer(norm[: kind.start()] + norm[kind.end() :], area=area, city=city)
            if answer.pending is not None:
                answer = self.resolve(answer.pending, kind["from"], area=area) or answer
            if answer.intent in ("sorting", "clarify") and answer.source != WHICH_ITEM_SOURCE:
                return answer
        said_area, rest = split_area(norm)
        if said_area is not None:  # "我住村里，剩饭怎么弄": answer for that area, and remember it
            answer = self.answer(rest, area=said_area, city=city)
            answer.extra.update(command="set_area", area=said_area)
            return answer
        if area != "rural" and ("烂" in norm or "卖" in norm or "四分" in norm) and _RURAL_TERMS.search(norm):
            # "二次四分里西瓜皮算会烂的不": asked in 二次四分 terms, answered in them (this message only)
            return self.answer(norm, area="rural", city=city)
        if ("带" in norm or "有" in norm or "混" in norm) and (mixed := self._mixture(norm)) is not None:
            # "带大骨头的剩菜", "剩饭里有牙签": two things in different bins mixed together, answered one by one
            answer = self.answer(mixed, area=area, city=city)
            if answer.intent in ("sorting", "clarify") and len(answer.items) + (answer.pending is not None) >= 2:
                answer.text = texts.MIXED + "\n" + answer.text
            return answer
        tokens = self.matcher.tokenize(norm)
        found = self.matcher.find(norm, tokens)
        sorting = self._sorting(found, norm, area)
        if ("电话" in norm or "热线" in norm) and _CONTACT_ASK.search(norm):
            sorting = None  # "有意见打哪个电话": a contact question asks no bin (the 电话 is no item)
        story = self._after_story(norm, sorting, area, city)
        if story is not None:
            return story
        plan_action = _PLAN_ACTION.search(norm) is not None and _BIN_ASK.search(norm) is None
        asks_plan = _POLICY_CUE.search(norm) is not None or plan_action
        # "咱这垃圾以后还填埋不", "工业固废咋处理的": a programme word with no bin word asks the plan first
        asks_plan = asks_plan or (_PROGRAMME_WORD.search(norm) is not None and _BIN_ASK.search(norm) is None)
        facility_ask = _FACILITY_ASK.search(norm) is not None and _BIN_ASK.search(norm) is None
        asks_plan = asks_plan or facility_ask
        if not asks_plan and self.policy is not None and _PLAN_ASK_FORM.search(norm) and not _BIN_ASK.search(norm):
            # "新郑宾馆还提供一次性用品吗", "新郑再生骨料用在哪": a loaded plan's place named in a yes/no or 用在哪
            # question asks that plan, not an item's bin (the plan answers only when a sentence covers it)
            asks_plan = self.policy.names_place(norm) or (
                _USE_ASK.search(norm) is not None and self.policy.has_plan(city)
            )
        policy = self.policy.answer(norm, city=city) if self.policy is not None and asks_plan else None
        if policy is not None and "no_plan" in policy.extra:
            # "开封乱扔垃圾罚多少": that place's fine rule, not its plan, is what is missing
            elsewhere = self._faq(norm, city=city)
            if elsewhere is not None and elsewhere.extra.get("no_plan") == policy.extra["no_plan"]:
                return elsewhere
        if policy is not None and (
            any(k in policy.extra for k in ("targets", "units", "tasks")) or _PLAN_ONLY.search(norm)
        ):
            return policy  # "建筑垃圾能利用多少" asks for the plan's figure, not for the bin
        if policy is not None and facility_ask:
            return policy  # a stream's facility, capacity, site or fee: the plan's sentence or its honest "not found"
        if (
            policy is not None
            and policy.source == "plan"
            and self.policy is not None
            and self.policy.names_place(norm)
            and _DUTY_ASK.search(norm)
            and not _BIN_ASK.search(norm)
        ):
            return policy  # "新密的医疗废物谁负责": who, of a loaded plan's place, is the plan's (even its "not found")
        if sorting is not None and sorting.intent in ("sorting", "clarify") and sorting.source != _GUESS_SOURCE:
            faq = self._faq(norm, city=city) if self._has_faq_cue(norm) else None
            if faq is not None and self._faq_is_more_specific(faq, sorting, norm):
                return faq  # "大件垃圾怎么预约", "旧衣服去哪捐": the FAQ answers the question asked
            if faq is not None and faq.extra.get("faq") in _FAQ_WITH_ITEM and sorting.intent == "sorting":
                # "大骨头扔错了罚款吗": the question asked (the fine), then where the item goes
                faq.text, faq.items = faq.text + "\n" + sorting.text, sorting.items
                return faq
            taken = self.take_away(sorting, norm)
            if taken is not None:
                return taken  # "旧家具能上门回收吗": who fetches it or where it goes, then its bin
            return sorting
        if policy is None and self.policy is not None:
            policy = self.policy.answer(norm, city=city)
        if policy is not None and sorting is not None and sorting.source == _GUESS_SOURCE and _PLAN_WORD.search(norm):
            return policy  # "回收利用率要搞到多少" is a plan question: never ask which bin a rate goes in
        if policy is not None and any(k in policy.extra for k in ("targets", "units", "tasks")):
            return policy  # a figure or a responsibility from the plan
        if policy is not None and _unknown_plan_word(sorting):
            return policy  # "新密农膜回收率…": a rate is no item; the plan's honest "not found" beats "不确定扔哪"
        faq = self._faq(norm, city=city)
        if faq is not None and self._faq_cannot_answer(faq, norm):
            faq = None  # the plan's sentence, or its honest "not found", answers instead
        silent = self.policy.named_place(norm) if self.policy is not None and policy is not None else None
        if (
            faq is not None
            and silent is not None
            and policy is not None
            and policy.source == "plan"
            and bare_name(silent) not in ZHENGZHOU_AREA  # 郑州's rules (the FAQ) hold in 新郑 and 新密
        ):
            # "槿山县快递包装这块谁负责", "茗川县135绿色出行咋搞": a loaded plan's place asked, and that plan is silent
            if _DUTY_ASK.search(norm):
                return policy  # a duty no FAQ names: the plan's honest "not found"
            faq.text = texts.PLAN_SILENT.format(place=silent) + "\n" + faq.text
            return faq
        if faq is not None:
            said = self.policy.term_said(norm, city=city) if self.policy is not None else None
            if said:  # "135绿色出行是啥" in 檀溪: what it is, then where the resident's plan writes it
                faq.text += "\n" + said
            return faq
        if policy is not None and policy.confidence >= 0.5:
            return policy
        if (
            policy is not None
            and (sorting is None or sorting.intent == "unknown")
            and self.policy is not None
            and self.policy.names_place(norm)
            and not _DISPOSAL_ASK.search(norm)
        ):
            return policy  # "桑川垃圾分类积分兑换怎么搞": a loaded plan's place named; its plan's honest "not found"
        if (sorting is None or (sorting.intent == "unknown" and not sorting.items)) and asks_without_item(norm):
            return which_item()  # "我手里有个东西不知道扔哪": no item named, so ask which, not "不确定“有”"
        if sorting is not None and sorting.pending is None and _names_item(sorting, norm):
            return sorting  # "酸菜鱼是有害垃圾吗" asks about the item: not sure beats a category blurb
        category = self._category_question(norm)
        if category is not None:
            return category
        if sorting is not None:
            return sorting
        if policy is not None:
            return policy  # a plan question the plan cannot answer: say so rather than guess
        if points_at_nothing(norm):
            return which_item()  # "这个呢" with nothing named: ask which item, never the generic reply
        return Answer("unknown", texts.OUT_OF_SCOPE, confidence=0.0, source="fallback")

    def _died(self, match: re.Match[str]) -> str:
        """ "仓鼠死了" as 死仓鼠 when the catalogue names that (the longest name first); else the words as they were."""
        who = match["who"]
        for i in range(len(who)):
            dead = self.matcher.by_surface.get("死" + who[i:])
            # the whole animal named ("金鱼死了" is no 死鱼 of 金); a pet that died is no food (死鱼 as 厨余 is a fish
            # for the table)
            if dead is not None and dead.category != "厨余垃圾" and (i == 0 or who[:i].endswith(("的", "家", "养"))):
                return who[:i] + "死" + who[i:]
        return match.group()

    def _shed(self, match: re.Match[str]) -> str:
        """ "狗掉的毛" as 狗毛 when the catalogue names that; else the words as they were."""
        joined = match["who"] + match["what"]
        return joined if joined in self.matcher.by_surface else match.group()

    def _mixture(self, norm: str) -> str | None:
        """ "带大骨头的剩菜" / "剩饭里有一次性筷子" as the list "剩菜和大骨头", when both name items of different bins
        (or one whose kind decides); None when the message is not shaped so."""
        match = _WITH_THING.search(norm) or _THING_INSIDE.search(norm)
        if match is None or _QUANTITY_LEAD.sub("", match["x"]) in STILL_HOLDS:
            return None  # "油壶里还有点剩油": what is left in it, a state of the container
        x, y = (self.matcher.find(match[k]) for k in ("x", "y"))
        if len(x) != 1 or len(y) != 1:
            return None
        inner, outer = x[0], y[0]
        if any(f.entry is None or f.how in ("none", "contains", "homophone") for f in (inner, outer)):
            return None
        assert inner.entry is not None and outer.entry is not None
        if not (inner.needs_kind or outer.needs_kind or inner.entry.category != outer.entry.category):
            return None  # "带鱼刺的剩菜": one bin for both
        if (
            match.re is _THING_INSIDE
            and outer.entry.category != "厨余垃圾"
            and not match["y"].endswith(_THROWN_HOLDERS)
        ):
            return None  # "冰箱里有剩菜", "抽屉里有旧电池": a place things are kept, not waste they are mixed into
        return norm[: match.start()] + match["y"] + "和" + match["x"] + norm[match.end() :]

    def _after_story(self, norm: str, sorting: Answer | None, area: str | None, city: str | None) -> Answer | None:
        """ "晚上炖了大骨头汤，骨头啃完了，这个骨头扔哪": the question is the last clause; the story before it names
        other things, which only say what kind the item is. None when the message is not shaped so."""
        if sorting is None or len(sorting.items) + (sorting.pending is not None) < 2:
            return None
        story, _, question = norm.rpartition("，")
        premise = _ALSO_QUESTION.match(question) is not None and _STORY_ASKS.search(story) is None
        if not story or _LIST_WORDS.search(norm) or not (premise or any(c in question for c in SORTING_CUES)):
            return None
        names = [i.query for i in sorting.items]
        if sorting.pending is not None:
            names.append(str(sorting.pending.get("query", "")))
        if self._asks_apart(story, names):
            return (
                None  # "旧报纸放哪，快递面单放哪": two questions, each about its own item, not a story and a question
            )
        told = story.replace("，", "")
        for name in names:
            told = told.replace(name, "", 1)
        if len(told) < 3:
            return None  # "旧书 旧报纸，旧杂志扔哪" is a list without a list word, not a story
        answer = self.answer(question, area=area, city=city)
        if (
            answer.source.startswith("model:")
            or answer.intent not in ("sorting", "clarify")
            or answer.source == WHICH_ITEM_SOURCE
        ):
            # "…快递纸箱干干净净的，这个箱子扔哪": the question points back at a thing the story named
            named = [i.query for i in sorting.items if i.query]
            if not named:
                return None
            back = follow_up(self, {"query": named[-1]}, question, area=area, city=city, earlier=named[-2::-1])
            return back if back is not None and back.intent in ("sorting", "clarify") else None
        if len(answer.items) + (answer.pending is not None) != 1:
            return None
        if answer.pending is not None:
            return self.resolve(answer.pending, story, area=area) or answer  # the story may say which kind
        return answer

    def _asks_apart(self, story: str, names: Sequence[str]) -> bool:
        """The clause before the last one is a sorting question of its own about an item the answer names."""
        before = story.rpartition("，")[2]
        asks = _STORY_ASKS.search(before) is not None or any(c in before for c in SORTING_CUES)
        if not asks or _CLAIM.search(story) is not None:
            return False  # "邻居说大骨头能放厨余，到底放哪": a claim quoted, then the question
        return any(name and name in before for name in names) and not any(before.endswith(n) for n in names if n)

    def resolve(
        self, pending: dict[str, Any], text: str, *, area: str | None = None, reply: bool = False
    ) -> Answer | None:
        """Answer the reply to a clarifying question, or None when the reply is a new question; `reply`: the text is
        the resident's next message (not a story or an item name that may say the kind)."""
        if pending.get("guess"):
            return self._resolve_guess(pending, text, area)
        entry = self.by_name.get(str(pending.get("entry", "")))
        if entry is None or not entry.kinds:
            return None
        norm = _PARTICLES.sub("", normalize(text))
        query = str(pending.get("query") or entry.name)
        option = self._pick_option(entry.kinds, norm)
        if option is None and norm != (whole := normalize(text).replace(" ", "")):
            option = self._pick_option(entry.kinds, whole)  # "新的": the particle stripped was part of the word
        if option is None and _LATIN.search(norm):
            option = _option_in_pinyin(entry.kinds, norm)  # "wu hao de" after 哪种电池: 五号的 typed in pinyin
        if option is not None and reply and self._names_another_item(norm, entry, option):
            return None  # "罐子上的铁盖呢" while 勺子's material is asked: a new question, not a kind of spoon
        if option is not None and reply and (hedged := self._hedged_kind(norm, query, area)) is not None:
            return hedged  # "灯泡扔哪" then "LED的": the kind said is a rule 郑州 has not settled (LED灯), said so
        if option is not None:
            item = self._item_for_option(entry, option, query, area, confidence=0.95)
            answer = Answer("sorting", self._item_text(item, entry, area, kind=option), 0.95, item.source, [item])
            answer.extra["kind"] = {"entry": entry.name, "option": entry.kinds.index(option) + 1}  # for "碎了呢" next
            return answer
        if all_kinds(norm.replace(query, "").replace(entry.name, ""), len(entry.kinds)):
            return self._every_kind(entry, query, area)  # "两种都有": each kind in its own bin
        if dont_know(norm.replace(query, "").replace(entry.name, "")):  # "我也不知道是啥电池"
            lines = [texts.NOT_SURE_KIND] + [f"· {o.label} → {_bin(o.category)}" for o in entry.kinds]
            item = ItemAnswer(
                entry.name, query, entry.category, "种类未说明，按最谨慎的投法", None, _source(entry), 0.8
            )
            item.rural = texts.RURAL.get(item.category) if area == "rural" else None
            return Answer("sorting", "\n".join(lines), 0.8, item.source, [item])
        return None

    def _every_kind(self, entry: Entry, query: str, area: str | None) -> Answer:
        """One item per kind of `entry`, each answered in its own bin ("两种都有" after "哪种电池？")."""
        items = [self._item_for_option(entry, o, query, area, confidence=0.9) for o in entry.kinds]
        lines = [texts.ALL_KINDS] + [f"· {o.label} → {_bin(o.category)}" for o in entry.kinds]
        source = "；".join(dict.fromkeys(i.source for i in items))
        return Answer("sorting", "\n".join(lines), 0.9, source, items)

    def _names_another_item(self, norm: str, entry: Entry, option: Option) -> bool:
        """True when a reply to "哪种X？" names another catalogue item of another bin than the option its words pick
        ("那塑料桶呢" while 勺子's material is asked: not 塑料勺); the item asked about and option words do not count."""
        words = {w for o in entry.kinds for w in o.words}
        own = set(entry.surfaces)
        # a name inside an option's word is that word ("绿化带", not 绿化); one around it is a new item ("剩菜", not 剩)
        spans = [(m.start(), m.start() + len(w)) for w in words for m in re.finditer(re.escape(w), norm)]
        for size in range(min(len(norm), 8), 1, -1):
            for start in range(len(norm) - size + 1):
                said = norm[start : start + size]
                if any(a <= start and start + size <= b for a, b in spans):
                    continue
                other = self.matcher.by_surface.get(said)
                if other is None or other is entry or said in words or own & set(other.surfaces) or other.kinds:
                    continue
                if other.category != option.category:
                    return True
        return False

    # -- pieces -----------------------------------------------------------------------------------------------

    def _read_pinyin(self, norm: str) -> str:
        if self._pinyin is None:
            by_surface = self.matcher.by_surface

            def rank(name: str) -> float:
                entry = by_surface.get(name)
                return (1e12 if entry is not None and entry.source == LOCAL_SOURCE else 0) + base_frequency(name)

            def kind(name: str) -> str | None:
                entry = by_surface.get(name)
                return entry.category if entry is not None else None

            self._pinyin = PinyinReader((s for s in by_surface if len(s) >= 2), rank, kind)
        return self._pinyin.read(norm)

    def _latin_is_named(self, norm: str) -> bool:
        """Every Latin word is part of a catalogue name said in the message ("aa电池", "cr2032"): no pinyin."""
        if self._latin_surfaces is None:
            self._latin_surfaces = [s for s in self.matcher.by_surface if _LATIN.search(s)]
        said = [s for s in self._latin_surfaces if s in norm]
        return bool(said) and all(any(w in s for s in said) for w in _LATIN_WORD.findall(norm))

    def _smalltalk_or_command(self, bare: str) -> Answer | None:
        if len(bare) > 12:
            return None
        if _ANY_AREA_CHAR.isdisjoint(bare) and not _SMALLTALK_CHARS.issuperset("".join(bare.split())):
            return None  # most messages: a character no command or small-talk form below holds
        if bare in HELP_WORDS:
            return Answer("command", texts.HELP, 1.0, "command:help", extra={"command": "help"})
        for area, pattern in _AREA.items():
            if _AREA_CHARS[area].isdisjoint(bare):
                continue  # every form of the command holds one of these characters
            if pattern.match(bare):
                extra = {"command": "set_area", "area": area}
                return Answer("command", texts.AREA_SET[area], 1.0, "command:set_area", extra=extra)
        if bare in GREETINGS or bare.rstrip("啊呀") in GREETINGS:
            return Answer("smalltalk", texts.GREETING, 1.0, "smalltalk:greeting")
        if bare in THANKS or bare.rstrip("啦哈") in THANKS or bare.replace(" ", "") in THANKS:
            return Answer("smalltalk", texts.THANKS, 1.0, "smalltalk:thanks")
        if bare in IDENTITY or bare.rstrip("吗呀") in IDENTITY:
            return Answer("smalltalk", texts.IDENTITY, 1.0, "smalltalk:identity")
        if bare in GOODBYES:
            return Answer("smalltalk", texts.GOODBYE, 1.0, "smalltalk:goodbye")
        if bare in ACKS or bare.replace(" ", "") in ACKS:
            return Answer("smalltalk", texts.ACK, 1.0, "smalltalk:ack")
        said = bare.split()
        if said != [bare] and all(w in ACKS for w in said):  # one word is `bare` itself, just checked
            return Answer("smalltalk", texts.ACK, 1.0, "smalltalk:ack")
        return None

    def _sorting(self, found: Sequence[Found], norm: str, area: str | None) -> Answer | None:
        found = _kind_said_apart(found)
        answered = [f for f in found if f.answered]
        if len(answered) > 1:
            # "碎玻璃 碎玻璃啊": a name said twice (voice input repeats itself) is one item, not a list of two
            seen = {(f.entry.name if f.entry else "", f.query, id(f.option)): f for f in reversed(answered)}
            answered = [f for f in answered if seen[(f.entry.name if f.entry else "", f.query, id(f.option))] is f]
        if not answered:
            unknown = self._pick_unknown(found, norm)
            if unknown is None:
                return None
            if unknown.guesses and unknown.entry is None:
                return self._guess(unknown)
            text = texts.UNKNOWN_ITEM.format(query=unknown.query)
            if unknown.entry is not None:
                text += texts.UNKNOWN_HINT.format(surface=unknown.surface)
            return Answer(
                "unknown",
                text + texts.GENERAL_RULE,
                round(unknown.confidence, 2),
                "fallback",
                extra={"unknown": [unknown.query]},
            )
        lines: list[str] = []
        items: list[ItemAnswer] = []
        pending: dict[str, Any] | None = None
        choices: list[Choice] = []
        hedged: list[str] = []
        ask_recycle = "回收" in norm and len(answered) == 1
        asked = _asked_category(norm) if len(answered) == 1 else None
        for f in answered:
            assert f.entry is not None
            if f.needs_kind and pending is None:
                pending = {"type": "kind", "entry": f.entry.name, "query": f.query}
                choices = kind_choices(f.entry)
                said = f.surface if f.how == "homophone" else f.query  # "塑料代" is asked about as 塑料袋
                question = f.entry.kinds_question.replace("{query}", said) or f"您说的“{f.query}”是哪一种？"
                lines.append("\n".join([question, *(f"{c.key} {c.label}" for c in choices), texts.CHOOSE]))
                continue
            item = self._item(f, area)
            line = self._item_text(item, f.entry, area, kind=f.option, found=f)
            if _hedged(f):  # 郑州 has not settled it and no question would: the usual bin, said as unsettled
                hedged.append(f.entry.name)
                lines.append(line)
                continue
            items.append(item)
            if ask_recycle and item.category in texts.BINS:
                line = (texts.CAN_RECYCLE if item.category == "可回收物" else texts.CANNOT_RECYCLE) + line
            elif asked is not None and not ask_recycle:  # "X是有害垃圾吗": yes or no, then the bin
                verdict = texts.IS_CATEGORY if item.category == asked else texts.NOT_CATEGORY
                line = verdict.format(category=asked) + line
            lines.append(line)
        missing = (
            [f.query for f in found if not f.answered and f.explicit_separator and len(f.query) <= 8]
            if len(found) > len(answered)
            else []
        )
        # "电池和量子纠缠器": say which one we miss
        lines.extend(texts.UNKNOWN_ITEM.format(query=query) for query in missing)
        if _PUBLIC_PLACE.search(norm) and any(i.category in ("厨余垃圾", "有害垃圾") for i in items):
            lines.append(texts.PUBLIC_TWO_BINS)  # "在公园吃剩的香蕉皮": no green or red bin there
        # a hedged item is no settled answer: like an open question, it makes the reply a clarification
        intent = "clarify" if pending is not None or hedged else "sorting"
        confidence = answered[0].confidence if len(answered) == 1 else min(f.confidence for f in answered)
        source = (items[0].source if len(items) == 1 else "；".join(dict.fromkeys(i.source for i in items))) or (
            _source(answered[0].entry) if answered[0].entry else ""
        )
        extra: dict[str, Any] = {"unknown": missing} if missing else {}
        if hedged:
            extra["hedged"] = hedged
        return Answer(intent, "\n".join(lines), confidence, source, items, choices, extra, pending)

    def _guess(self, unknown: Found) -> Answer:
        """A name the model cannot place but narrows to two bins: ask which one fits."""
        hints = texts.CONTENTS_LEFT_HINTS if unknown.contents_left else texts.GUESS_HINTS
        choices = [
            Choice(str(i), f"{_bin(c)}：{hints.get(c, c)}", {"category": c}) for i, c in enumerate(unknown.guesses, 1)
        ]
        asked = texts.CONTENTS_LEFT_QUESTION if unknown.contents_left else texts.GUESS_QUESTION
        question = asked.format(query=unknown.query)
        lines = [question, *(f"{c.key} {c.label}" for c in choices), texts.CHOOSE]
        # a clarifying question like any other ("kind"), read back by _resolve_guess
        pending = {"type": "kind", "guess": True, "query": unknown.query, "options": list(unknown.guesses)}
        extra = {} if unknown.contents_left else {"unknown": [unknown.query]}  # a known container: not unanswered
        source = _CONTENTS_SOURCE if unknown.contents_left else _GUESS_SOURCE
        return Answer("clarify", "\n".join(lines), 0.3, source, [], choices, extra, pending)

    def _resolve_guess(self, pending: dict[str, Any], text: str, area: str | None) -> Answer | None:
        """The resident picked one of the two likeliest bins (by number or by naming it)."""
        options = [str(c) for c in pending.get("options") or []]
        query = str(pending.get("query") or "")
        norm = _PARTICLES.sub("", normalize(text))
        number = _picked(norm, len(options)) if norm else None
        chosen = None
        if number is not None:
            if not 1 <= number <= len(options):  # "3" after two choices: ask again
                again = self._guess(Found(query=query, phrase=query, guesses=tuple(options)))
                again.text = texts.REASK_RANGE.format(n=len(options)) + "\n" + again.text
                return again
            chosen = options[number - 1]
        elif (named := _asked_category(norm)) in options:
            chosen = named
        if chosen is None:
            if none_of_them(norm):  # "都不是": ask again, with how to describe it, never the generic reply
                again = self._guess(Found(query=query, phrase=query, guesses=tuple(options)))
                again.text = texts.REASK_NONE + "\n" + again.text
                return again
            if dont_know(norm):
                text = texts.UNKNOWN_ITEM.format(query=query) + texts.GENERAL_RULE
                return Answer("unknown", text, 0.0, "fallback", extra={"unknown": [query]})
            return None
        item = ItemAnswer(query, query, chosen, None, None, "resident", 0.8)
        item.rural = texts.RURAL.get(chosen) if area == "rural" else None
        reply = texts.GUESS_CHOSEN.format(query=query, category=_bin(chosen)) + texts.STREAMS.get(chosen, "")
        return Answer("sorting", reply, 0.8, "resident", [item])

    def _pick_unknown(self, found: Sequence[Found], norm: str) -> Found | None:
        """The phrase to report as unknown: the one with a sorting cue, else a short bare name."""
        if not found:
            return None
        if (left := next((f for f in found if f.contents_left), None)) is not None:
            return left  # "没喝完的牛奶盒": a known container whose contents decide; asked, not unknown
        if any(cue in norm for cue in SORTING_CUES):
            return max(found, key=lambda f: (f.entry is not None, len(f.query)))
        # a bare name with nothing around it ("量子纠缠器") is an item question; "今天天气怎么样" is not
        bare = _PARTICLES.sub("", norm)
        # "那水泥袋呢", "那个装猫砂的袋子呢": a follow-up opener or "装…的" before the name is still a name
        one = found[0]
        if len(found) == 1 and len(one.query) <= 10 and bare.endswith(one.query):
            return one if _NAME_OPENER.fullmatch(bare[: len(bare) - len(one.query)]) else None
        return None

    def _item(self, f: Found, area: str | None) -> ItemAnswer:
        entry = f.entry
        assert entry is not None
        if f.option is not None:
            return self._item_for_option(entry, f.option, f.query, area, f.confidence)
        category, condition = entry.category, None
        if f.condition is not None:
            category, condition = f.condition.category, f.condition.when
        item = ItemAnswer(entry.name, f.query, category, condition, None, _source(entry), f.confidence)
        item.rural = texts.RURAL.get(category) if area == "rural" else None
        return item

    def _item_for_option(
        self, entry: Entry, option: Option, query: str, area: str | None, confidence: float
    ) -> ItemAnswer:
        item = ItemAnswer(entry.name, query, option.category, option.label, None, _source(entry), confidence)
        item.rural = texts.RURAL.get(option.category) if area == "rural" else None
        return item

    def _item_text(
        self,
        item: ItemAnswer,
        entry: Entry,
        area: str | None,
        *,
        kind: Option | None = None,
        found: Found | None = None,
    ) -> str:
        """One short line (or two) saying where the item goes and why."""
        lead = ""
        if found is None:
            name = item.query or entry.name
        else:
            name, how = found.surface, found.how
            if how == "homophone":
                lead = texts.HOMOPHONE.format(surface=found.surface)
            elif how == "head":
                name = found.query if len(found.query) <= 8 else found.surface  # "农夫山泉瓶子", not a whole sentence
                lead = texts.AS_WHAT.format(surface=found.surface) if found.confidence < 0.8 else ""
            elif how == "container":
                lead = texts.CONTAINER_OF.format(surface=found.surface)
                name = found.query
            elif how in ("leftover", "material", "part", "drug", "soiled"):
                name = found.query
            if found.denied:
                name = entry.name  # "没油的塑料袋": never echo the state without its 没
        if kind is not None:
            name = f"{name}（{kind.label}）"
        tip = kind.tip if kind is not None and kind.tip else entry.tip
        cond = None
        if found is not None and found.condition is not None and kind is None:  # a kind already names the state
            cond = found.condition
            if found.condition_stated:
                name = f"{name}（{cond.when}）"
                tip = cond.tip or tip
        hedged = bool(entry.hedge) and kind is None and not (found and found.condition_stated)
        if area == "rural" and item.rural:
            how = texts.RURAL_HOW.get(item.rural, texts.STREAMS.get(item.category, ""))
            text = f"{lead}{name}：{item.rural}，{how}（城区分类：{item.category}）"
        elif (
            entry.parts
            and kind is None
            and not (found and found.how == "drug")
            and (cond is None or not found or not found.condition_stated)
        ):
            pieces = [f"{p.part} → {p.category}" if p.category else f"{p.part}{p.action}" for p in entry.parts]
            text = f"{lead}{name}要分开投：" + "；".join(pieces) + "。"
        elif hedged:
            text = lead + texts.HEDGED_LINE.format(name=name, bin=_bin(item.category))
        else:
            text = f"{lead}{name}属于{item.category if entry.no_colour else _bin(item.category)}。"
            if item.category in texts.STREAMS:
                text += texts.STREAMS[item.category]
        if cond is not None and not (found and found.condition_stated):
            others = [c for c in entry.conditions if not c.default]
            text = f"{lead}{name}{texts.ASSUMED.format(when=cond.when)}，" + text[len(lead) + len(name) :]
            text += "".join(texts.IF_OTHER.format(when=c.when, category=c.category) for c in others)
        if tip:
            text += tip if tip.endswith(("。", "！", "？")) else tip + "。"
        if hedged:
            text += texts.HEDGED
        elif entry.unconfirmed:
            text += texts.UNCONFIRMED
        return text

    def _hedged_kind(self, norm: str, query: str, area: str | None) -> Answer | None:
        """The kind said in words, read with the item asked about ("LED的" + 灯泡), when that names a hedged rule; else
        None (a number or a settled kind is the option's answer)."""
        said = norm.removesuffix("的")
        if not said or choice_number(norm) is not None or len(said) > 6:
            return None
        answer = self.answer(said + query, area=area)
        if answer.intent == "clarify" and not answer.items and answer.extra.get("hedged"):
            return answer
        return None

    @staticmethod
    def _pick_option(options: Sequence[Option], norm: str) -> Option | None:
        # the longest option word said wins, before any label text ("桃核" is option 2's word, though 樱桃核 in
        # option 1's label contains it); between words as long, the hazardous kind ("5号充电电池" is rechargeable)
        said = [
            (max((len(w) for w in o.words if w in norm), default=0), o.category == "有害垃圾", -i, o)
            for i, o in enumerate(options)
        ]
        best = max(said, key=lambda s: s[:3], default=None)
        named = best[3] if best is not None and best[0] > 0 else None
        if named is not None and "号" in norm:
            return named  # "2号的" after 哪种电池 is a battery size an option names, not choice 2
        number = _picked(norm, len(options)) if norm else None
        if number is not None and 1 <= number <= len(options):
            return options[number - 1]  # "10" of two options is out of range, not option 1
        if named is not None:
            return named
        for option in options:
            if len(norm) >= 2 and norm in option.label:
                return option
        stem = norm.rstrip("的")
        if 1 <= len(stem) <= 2 and not stem.isdigit():  # "大的" → 大骨头, "小的" → 小骨头
            starting = [o for o in options if o.label.startswith(stem)]
            if len(starting) == 1:
                return starting[0]
        return None

    def faq_answer(self, key: str) -> Answer | None:
        """The FAQ `key` as an answer (its yes/no opening dropped), or None when it is not loaded."""
        faq = next((f for f in self.faqs if f.key == key), None)
        if faq is None:
            return None
        return Answer("faq", _YES_OPENING.sub("", faq.answer), 0.9, f"faq.yaml#{key}", extra={"faq": key})

    def take_away(self, sorting: Answer, norm: str) -> Answer | None:
        """Where to take the one item of `sorting` or who fetches it, when `norm` asks that (and not the fee): the
        FAQ of the item's stream (大件 → 预约清运, 有害 → 投放点, else 回收点) with the item's answer after it."""
        if sorting.intent != "sorting" or len(sorting.items) != 1:
            return None
        if TAKE_ASK.search(norm) is None or _FEE_WORD.search(norm) is not None:
            return None
        key = _TAKE_FAQ.get(sorting.items[0].category)
        answer = self.faq_answer(key) if key is not None else None
        if answer is not None:
            answer.text, answer.items = answer.text + "\n" + sorting.text, sorting.items
        return answer

    def _faq_is_more_specific(self, faq: Answer, sorting: Answer, norm: str) -> bool:
        """An FAQ beats a one-item sorting answer when its keywords name the item and ask something more."""
        if len(sorting.items) != 1:
            return False
        entry = self.by_name.get(sorting.items[0].name)
        words = next((f.match(norm) for f in self.faqs if f.key == faq.extra.get("faq")), ())
        surfaces = {s for s in (entry.surfaces if entry else (sorting.items[0].name,)) if s in norm}
        # only a name the resident wrote counts, and not through the word 垃圾 alone: "草坪修剪物是几类垃圾" asks the bin
        return len(words) >= 2 and any(w in s or s in w for w in words for s in surfaces if w != "垃圾")

    def _faq_cannot_answer(self, faq: Answer, norm: str) -> bool:
        """True when the FAQ speaks of another place of 郑州 than the one named ("新密的无废细胞有哪些" gets no
        answer about 新郑's cells), or the question asks an amount the FAQ holds none of ("农村垃圾分类补贴多少钱")."""
        named = self.policy.named_place(norm) if self.policy is not None else None
        own = bare_name(named) if named is not None else None
        if (
            own is not None
            and own not in faq.text
            and any(p in faq.text for p in ZHENGZHOU_AREA if p not in (own, "郑州"))
        ):
            return True
        return _AMOUNT_ASK.search(norm) is not None and _AMOUNT_SAID.search(faq.text) is None

    def _present_faq_words(self, norm: str) -> set[str]:
        """The FAQ keywords that occur in the text (the substrings starting where a keyword's first character is)."""
        starts, words = self._faq_starts, self._faq_words
        found = {""} & words  # an empty keyword is in every text
        for i, ch in enumerate(norm):
            for size in starts.get(ch, ()):
                piece = norm[i : i + size]
                if piece in words:
                    found.add(piece)
        return found

    def _has_faq_cue(self, norm: str) -> bool:
        """Whether a word that can make an FAQ beat an item answer occurs in the text."""
        return self._cue_pattern is not None and self._cue_pattern.search(norm) is not None

    def _faq(self, norm: str, present: set[str] | None = None, *, city: str | None = None) -> Answer | None:
        present = self._present_faq_words(norm) if present is None else present
        if not present:
            return None
        # the highest-scoring FAQ, the first listed on a tie; only keyword sets holding a present word can match
        best_at, best_score = -1, 0
        for w in present:
            for at, score, words in self._faq_sets.get(w, ()):
                if (score > best_score or (score == best_score and at < best_at)) and present.issuperset(words):
                    best_at, best_score = at, score
        if best_at < 0:
            return None
        best = self.faqs[best_at]
        if best.key == "fines" and (place := outside_zhengzhou(norm) or outside_zhengzhou(city or "")) is not None:
            # "开封不分类罚款吗", or a resident of a county outside 郑州: 郑州's fine is no answer for another place
            text = texts.FINES_ELSEWHERE.format(place=place)
            return Answer("faq", text, 0.9, f"faq.yaml#{best.key}", extra={"faq": best.key, "no_plan": place})
        text = best.answer
        if _YES_OPENING.match(text) and not _YES_NO_FORM.search(norm):
            text = _YES_OPENING.sub("", text)  # "乱扔垃圾罚多少" is asked how much, not whether: no "会。" first
        return Answer("faq", text, 0.9, f"faq.yaml#{best.key}", extra={"faq": best.key})

    def _category_question(self, norm: str) -> Answer | None:
        for word in sorted(CATEGORY_WORDS, key=len, reverse=True):
            if word in norm:
                category = CATEGORY_WORDS[word]
                return Answer("faq", texts.CATEGORY_INFO[category], 0.85, f"category:{category}")
        return None


_IS_CATEGORY_QUESTION = re.compile(
    r"^(?P<item>.+?)(是不是|是|属于|算是|算|归为|归|放|扔|投)(不是)?(到|进|在)?("
    + "|".join(_CATEGORY_WORDS_LONGEST_FIRST)
    + r")(的)?(吗|么|嘛|不|呢|没)?[?？!！。]*$"
)


_KIND_FILLER = re.compile("[的是啊呀呢吧哦了那个就这]")


def _kind_said_apart(found: Sequence[Found]) -> Sequence[Found]:
    """ "盆子烂了扔哪，塑料的", "电池扔哪 是充电的": a clause that only names a kind answers the item's question."""
    if len(found) < 2:
        return found
    asking = [f for f in found if f.answered and f.needs_kind and f.entry is not None]
    if len(asking) != 1:
        return found
    item = asking[0]
    assert item.entry is not None
    for other in found:
        if other is item or (other.explicit_separator and other.answered):
            continue  # "剩菜、骨头、鱼刺": a listed item of its own, not the kind of the bone
        option = next((o for o in item.entry.kinds for w in o.words if w in other.phrase), None)
        if option is None:
            continue
        word = next(w for w in option.words if w in other.phrase)
        if _KIND_FILLER.sub("", other.phrase.replace(word, "", 1)):
            continue  # "盆和塑料瓶": another item that holds a kind word, not a kind said apart
        item.option, item.needs_kind = option, False
        return [f for f in found if f is not other]
    return found


def _unknown_plan_word(answer: Answer | None) -> bool:
    """True when the sorting path could only report an unknown "item" that is a plan measure ("密农膜回收率")."""
    if answer is None or answer.intent != "unknown":
        return False
    return any(_PLAN_WORD.search(q) for q in answer.extra.get("unknown", ()))


def _names_item(answer: Answer, norm: str) -> bool:
    """True for "X是有害垃圾吗" about a real name ("酸菜鱼"), not for "可回收物包括哪些"."""
    match = _IS_CATEGORY_QUESTION.match(norm)
    return match is not None and any(q in match["item"] for q in answer.extra.get("unknown", ()))


def _hedged(found: Found) -> bool:
    """The item's rule is one 郑州 has not settled and no state or kind was said that settles it."""
    entry = found.entry
    return bool(entry and entry.hedge and found.option is None and not found.condition_stated)


def _option_in_pinyin(options: Sequence[Option], norm: str) -> Option | None:
    """The one option whose word (two characters or more) the Latin letters of a kind reply spell ("niu kou de" →
    纽扣, "chong dian de" → 充电), or None when none or several do (Round 16 parts17)."""
    letters = "".join(ch for ch in norm if "a" <= ch <= "z")
    if len(letters) < 4:
        return None
    picked = [
        o
        for o in options
        if any(len(w) >= 2 and not w.isascii() and pinyin_key(w).replace(" ", "") in letters for w in o.words)
    ]
    return picked[0] if len(picked) == 1 else None
