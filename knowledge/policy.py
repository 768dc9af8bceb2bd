"""Answers questions about the ingested plans: targets, who leads a task, what a unit is responsible for, 无废细胞."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jieba
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.answer import Answer
from knowledge.lexicon import CATEGORY_WORDS, CONTACT_ASK_PATTERN, FACILITY_ASK_PATTERN
from knowledge.places import (
    PLACES,
    ZONES,
    bare_name,
    known_parts,
    other_places_in,
    parts_in,
    places_in,
)
from knowledge.plan_models import PlanDocument, PlanSection, PlanTarget, PlanTask
from knowledge.plan_parser import BASELINE_WORD, foreign_place, render_target
from knowledge.plans import same_city, short_city, unit_key
from knowledge.segment import add_words, shared_tokenizer
from knowledge.texts import BINS

# Resident-facing wording, kept apart from the logic below.
# the names a plan may write a development zone by ("新郑市经济技术开发区" is the 经开区 asked about)
ZONE_NAMES = {
    "经开区": ("经开区", "经济技术开发区", "经济开发区"),
    "高新区": ("高新区", "高新技术产业开发区"),
}
TEXT_NO_DATE = "方案没有写明这一项的完成时间。"
TEXT_NO_FIGURE = "方案里没有找到关于「{topic}」的具体数字或说法，我不做猜测。可以换个说法，或问问具体指标（例如“生活垃圾回收利用率目标”）。"
TEXT_CITY_MISSING = "{city}的方案里没有找到这一项的数字，下面是其他城市方案里的："
TEXT_NO_PLAN = "还没有导入“无废城市”建设方案，暂时回答不了方案相关的问题。"
TEXT_UNITS = "{cite}「{title}」：牵头单位：{lead}；责任单位：{resp}。"
TEXT_NO_UNITS = "{cite}「{title}」没有写明牵头单位和责任单位。"
TEXT_UNIT_TASKS = "{cite}中，{unit}牵头 {n_lead} 项任务：{lead}。另作为责任单位参与 {n_resp} 项：{resp}。"
TEXT_UNIT_NONE = "方案里没有找到{unit}承担的任务。"
TEXT_CELLS = "{cite}提到的“无废细胞”类型：{types}。"
TEXT_PLACES = "{cite}点名创建的{kinds}：{places}。"
TEXT_SAFEGUARDS = "{cite} {label}「{title}」共{n}条：{items}。"
# "保障措施有哪些", "有啥保障措施": the list of a 保障措施 / 工作要求 part, not one sentence that mentions 保障
SAFEGUARD_TITLE = re.compile("保障措施|保障机制|工作要求|组织实施|保障$")
SAFEGUARD_ASK = re.compile("(保障措施|保障机制|工作要求)")
HEADING = re.compile("[\u4e00-\u9fff]{4,8}")  # a part's short title: 指导思想, 基本原则, 建设目标, 工作目标
WHAT_ASK = re.compile("是什么|是啥|有哪些|有啥|包括|内容|讲了|讲的|哪几|说了")
TEXT_HEADING = "{cite} {label}「{title}」：{body}"
TEXT_PARTS = "{cite} {label}「{title}」分{n}项：{items}。"
# "重点任务分几大块", "保障措施包括几个方面": how many items a named part of the plan has
WHOLE_PARTS = re.compile("[一二三四五六七八九十两]个?部分")  # "包括…五部分": what the plan is made of
PARTS_ASK = re.compile("(几|多少)(大|个)?(块|部分|方面|大项|类)|分(几|多少)(项|个|大)")
LIST_ASK = re.compile("哪些|哪几|有什么|有啥|是什么|是啥|几条|几项|包括|都有|内容|讲了")
TEXT_LEADERS = "{cite}：{group}组长{leader}，副组长{n_deputies}名：{deputies}；成员单位{n}个。"
# a part of the plan counted, listed or asked by its rank ("有几个基本原则", "都有哪些原则", "第三项讲的啥"), and the
# plain words a part is asked by ("主要任务" for the plan's 重点任务)
ITEM_COUNT = re.compile("(几|多少)(大|个)?(个|项|条|块|部分|方面|大项|类|点|步|阶段)|分(几|多少)")
ITEM_ORDINAL = re.compile(r"第([一二三四五六七八九十]|\d{1,2})(条|项|个|点|部分|块|大项|步|阶段)")
ITEM_LIST = re.compile(
    "哪些|哪几|都有啥|都有什么|都包括|包括什么|包括啥|都是啥|都是什么|有啥|是啥|是什么|讲的啥|讲了啥|讲的什么"
)
SECTION_SYNONYMS = {"主要任务": "重点任务", "重点工作": "重点任务", "原则": "基本原则", "保障": "保障措施"}
SECTION_WORDS = {
    "方案", "无废城市", "无废", "城市", "建设", "任务", "重点", "主要", "部分", "措施", "一共", "总共", "共", "一块",
    "这块", "那块", "这部分", "那部分", "方面", "大块", "包括", "哪些", "都", "有", "是", "啥", "什么", "讲", "咱", "这个",
    "那个", "搞", "坚持", "具体", "分", "项", "条", "个", "块", "一下", "请问", "实施方案", "十四五", "时期",
}  # fmt: skip
CN_RANK = {c: i + 1 for i, c in enumerate("一二三四五六七八九十")}
# "以哪年为基数", "跟哪年比": the base year of a figure (a year, not the baseline figure), from the sentence that
# says it ("较2020年下降18%", "在2022年9家绿色工厂基础上")
BASE_ASK = re.compile(
    "(以|按|拿)哪一?年(为|作为|做|当)?(基数|基准|基期|基础|起点)|基准年|基期年|基数年|基年"
    "|(跟|和|与|比|较|同)哪一?年(比|相比|对比)?|在哪一?年的?基础上|(基数|基准)是哪一?年"
)
BASE_SAID = re.compile(
    r"(?:较|比|相比|相较于?|对比)\s*(20\d\d)\s*年"
    r"|(?:在|以)\s*(20\d\d)\s*年[^，。；]{0,16}(?:基础上|为基数|为基准|为基期)"
    r"|(20\d\d)\s*年(?:为|作为)?(?:基数|基准年|基期)"
)
BASE_WORDS = {
    "基数", "基准", "基期", "基准年", "基础", "基础上", "哪年", "哪一年", "一年", "是哪", "相比", "对比", "起点", "基年",
}  # fmt: skip
TEXT_BASE_YEAR = "以{year}年为基数。"
TEXT_NO_BASE_YEAR = "方案没有写明这一项以哪年为基数，相关原文："
# a document the plan cites ("依据的郑州文件", "引用的中央文件", "国家那个工作方案"), not the plan's own 文号
CITED_ASK = re.compile(
    "(依据|根据|参照|参考|按照|依照|引用|援引|对照)的?[^，。？]{0,10}(文件|文号|方案|意见|通知|规定|政策)"
    "|(国家|中央|郑州|省里|河南省|商务部|生态环境部|部委)[^，。？]{0,12}(文件|文号|工作方案)"
)
DOC_SAID = re.compile(r"〔\d{4}〕\d+号|《[^》]{4,}》")
DOC_NO = re.compile(r"〔\d{4}〕\d+号")
CITED_DATED = re.compile(r"20\d\d年[^。]*《|《[^。]*20\d\d年")
CITE_WORDS = {
    "依据", "根据", "参照", "参考", "按照", "依照", "引用", "援引", "对照", "文件", "文号", "哪个", "那个", "这个",
    "印发", "发布", "出台", "时候", "什么", "哪年", "啥时候",
}  # fmt: skip
# "规划期是哪几年", "管到哪年": the period the plan covers, from its title ("十四五"时期)
PERIOD_ASK = re.compile(
    "规划期|规划期限|实施期限|实施期|期限是|管到哪|管几年|到哪年为止|时间跨度|覆盖哪几年|是哪几年的"
)
PERIOD_SAID = re.compile(r"“?十[一二三四五六]五”?时期?|20\d\d\s*[—－\-~～至到]\s*20\d\d年?")
TEXT_PERIOD = "{cite}是《{title}》，规划期为{period}；方案里的目标大多写“到{year}年”。"
TEXT_PERIOD_ONLY = "{cite}是《{title}》，规划期为{period}。"
TEXT_NO_YEAR = "方案里没有写{year}年的这个数字，写的是："
# the when-words and the done-verbs of a when-question, taken out before its topic is looked up
WHEN_WORDS = re.compile("是?到?哪一?年|什么时候|啥时候|何时|之前|以前|(?:要|能)?(?:建好|建成|建完|弄好|搞好|完成|实现)")
# "到哪年" after a measure ("禁止…塑料袋是到哪年", "改造到哪年完成") asks when that measure applies
ACTION_BEYOND_META = re.compile(
    "到哪一?年|哪一?年(?:前|之前|以前|起|开始)|(?:禁止|禁用|停止|不再|完成|建成|达到)[^，。？]{0,12}哪一?年"
)
# a count or an amount asked ("有几个填埋场", "总投资多少钱", "一天能处理多少吨") and the sentence found holds no such
# figure: say the plan gives none before quoting the nearest sentence
FIGURE_ASK = re.compile("多少|(?<![哪第])几(?!月|号|日|年|时|点|步)")
FIGURE_SAID = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|家|座|所|项|条|处|批|名|部分|类|种|辆|吨)")
AMOUNT_ASK = re.compile("(?:几|多少)(?:个|万)?(吨|元|万元|钱|公里|亩)")
TEXT_NO_NUMBER = "方案里没有写这一项的具体数字，最接近的原文："
TEXT_NOT_SAID = "方案里没有写到「{words}」，最接近的原文："
TEXT_RANK = "{cite} {label}「{title}」共{n}项，第{k}项是：{item}。"
TEXT_GROUP_TASKS = "{cite} {label}「{title}」下列了{n}项任务：{items}。"
TEXT_TOP_PARTS = "{cite}正文分{n}部分：{items}。"
TEXT_INDICATORS = "{cite}确定了{total}个{name}：{parts}。"
TEXT_NO_CITY_PLAN = (
    "{place}的“无废城市”建设方案还没有导入，我不拿其他地方的数字代替。目前已导入的方案：{loaded}。"
    "可以问这些方案里的内容，{place}的情况请咨询当地主管部门。"
)
# words of the programme, not of a household bin: "填埋", "工业固废", "污泥", "飞灰", "炉渣"
PROGRAMME_WORD = re.compile("填埋|焚烧|工业固废|工业固体废物|一般工业|污泥|飞灰|炉渣|无害化|减量化|大宗固")
NATIONAL = re.compile("全国|国家(?!级)")
INDICATOR_PART = re.compile("^[\u4e00-\u9fff]{0,4}指标(体系|表|清单|一览表)?$")  # "主要指标", "附件1 指标体系"
HELPER_ASK = re.compile("配合|协办|协助|协同|参与")
NATIONAL_AGENT = re.compile("国家(?:一共|总共|共|已经|先后|都)?(?:选|挑|确定|公布|批|遴选|定了|安排|搞了)")
PROGRAMME_NAME = {"无废城市", "无废", "城市", "建设", "工作", "这事", "整体", "总体", "全面"}
WHEN_ASK = re.compile("哪年|哪一年|什么时候|啥时候|何时|几月")
WHO_WORD = re.compile("谁|哪个(部门|单位|局)|哪些(部门|单位)|什么部门|啥部门")
TEXT_NATIONAL = (
    "已导入的方案里没有找到全国（国家层面）的这个数字，我不拿某个城市的数字代替全国的。我回答的是已导入方案里的内容：{loaded}。"
    "全国的情况请以生态环境部等国家部门发布的信息为准。"
)
TEXT_SAID_OF_PLACE = (
    "{place}的“无废城市”建设方案还没有导入；已导入的方案里提到{place}的原文如下（引自该方案，不是{place}的方案）："
)
TEXT_PART_ELSEWHERE = "已导入的方案里写到的有：{names}，要问这些请带上城市名，例如“{example}…”。"
TEXT_OTHER_CITIES = "你所在的{place}还没有导入方案，下面是已导入方案里的，不是{place}的数字："
TEXT_QUOTE = "{cite}「{title}」原文：{sentence}"
CONTACT_ASK = re.compile(CONTACT_ASK_PATTERN + "|联系电话")
PHONE_SAID = re.compile(r"\d{5,}|热线|电话")
QUOTED_TERM = re.compile("“([^“”]{1,12})”")
GENERIC_TERMS = {"无废城市", "无废细胞", "无废"}  # quoted in every plan: naming one says nothing about where
SAID_WHERE = re.compile("(哪个|哪些|哪)(地方|城市|县|市|方案)[\u4e00-\u9fff]{0,3}(提|说|写)|谁提的|出自哪")
TEXT_PART_TASKS = "{cite}里写到{part}的任务有：{items}。"
TEXT_NO_UNITS_QUOTE = "{cite}「{title}」没有写明牵头单位，原文：{sentence}"
TEXT_META = "{cite}：{parts}。"
TEXT_DEADLINE = "{cite}「{title}」完成时限：{due}。"
TEXT_IN_TASK = "其中原文写明：{sentence}"
OPENING = "开头部分"  # the label of sentences before a plan's first heading
TEXT_TASK_COUNT = "{cite}列出 {n} 项任务，其中 {n_lead} 项写明了牵头单位。"
NONE_WORD = "（未写明）"
# the document itself: its number, date, and whether it is final ("现在是正式稿吗": the title says 征求意见稿)
META_CUES = (
    "文号",
    "印发",
    "发布",
    "出台",
    "哪年",
    "发文",
    "发的",
    "几号文",
    "正式稿",
    "定稿",
    "草案",
    "征求意见",
    "正式版",
    "草稿",
)

TARGET_CUES = (
    "目标", "要求", "达到", "多少", "几", "百分之", "比例", "指标", "率", "多大", "怎样", "提高到", "数量", "占比", "能力",
    "比重", "程度",
)  # fmt: skip
STRONG_CUES = ("目标", "指标", "方案", "无废城市", "牵头", "责任单位", "率", "满意度", "参与度", "十四五", "到20")
WHO_CUES = (
    "谁", "哪个部门", "哪些部门", "哪个单位", "哪些单位", "牵头", "责任单位", "负责单位", "主管", "归谁", "配合单位",
    "协办", "配合", "协助", "参与单位", "归哪", "哪家单位", "哪家部门", "由哪", "协同单位",
    "参与部门", "协同部门", "责任部门", "牵头部门", "部门有哪些", "单位有哪些", "管不管", "管吗", "负责吗", "负不负责",
    "参与吗", "参与不", "配合不", "主办", "谁来管", "谁管", "哪个局", "哪个委", "什么部门", "啥部门", "哪个机构",
)  # fmt: skip
# questions about duties and arrangements answered by quoting the plan: reporting, money, offices, priorities
DUTY_CUES = (
    "报送", "上报", "报给", "报告", "多久", "多长时间", "什么时候", "何时", "期限", "时限", "资金", "经费", "设在",
    "办公室", "考核", "督导", "保障", "为重点", "重点是", "每季度", "每月", "每年", "频次", "几次", "不力", "不到位",
    "问责", "奖励", "表彰", "奖补", "激励",
)  # fmt: skip
UNIT_CUES = ("负责", "牵头", "任务", "职责", "干什么", "做什么", "管什么", "承担", "参与", "工作", "管哪")
CELL_CUES = ("类型", "哪些", "哪几", "种类", "有什么", "什么样", "包括", "几种", "有几", "几类")
STOP = {
    "目标", "要求", "多少", "达到", "要", "是", "的", "什么", "哪些", "有", "吗", "呢", "能", "到", "年", "年底", "率",
    "用率", "收率", "传教", "怎么", "如何", "现在", "我们", "方案", "规定", "任务", "负责", "牵头", "谁", "哪个", "部门",
    "单位", "市", "县", "区", "以上", "实现", "提升", "提高", "全市", "建成", "无废", "城市", "建设", "垃圾", "废物",
    "固体", "固废", "一下", "请问", "问", "告诉", "指标", "多大", "比例", "百分之", "几", "情况", "工作", "责任",
    "创建", "新建", "新增", "完成", "累计", "几家", "几个", "几所", "几座", "几场", "几次", "多少家", "多少个", "数量",
    "个数", "多久", "一次", "这块", "这项", "时候", "哪里", "哪儿", "设在", "配合", "协办", "协助",
    "参与", "由谁", "谁来", "咱们", "咱", "俺们", "全县", "百分", "之几", "多少吨", "一共", "总共",
    "稳定", "稳定在", "保持", "提高到", "搞到", "能达到", "群众", "老百姓", "大家", "市民",
    "下降", "增长", "担任", "管理", "一个", "每个", "开始",
    "这个", "这事", "这件", "事儿", "这儿", "这里", "这边", "咱这", "咱这儿", "我们这", "本地", "当地", "主抓", "分管", "归口",
    "主管", "抓总", "时间", "多长时间", "长时间", "多长",
    "怎么搞", "怎么弄", "咋搞", "咋弄", "干什么", "干啥", "做什么", "县里", "市里", "区里", "多少资金", "废城",
    "控制", "控制在", "控制到", "中不中", "行不行", "能不能", "是不是", "对不对", "有没有", "咋回事", "怎么回事",
    "啥意思", "什么意思", "回事", "不中", "不管", "管不管", "负不负责", "今年", "明年", "会怎样", "怎样", "怎么样", "可以", "能够",
    "到底", "究竟", "大概", "一般", "包括", "包含", "属于", "都有", "哪些是",
    "以后", "今后", "将来", "往后", "还", "局", "管", "还是", "文件", "好几", "好几个", "规范", "还给",
}  # fmt: skip
ASKING = re.compile("..(几|多少|哪些|谁|啥|什么)$")  # a question word glued to a keyword: 百分之几 (几点 stays)
# a word made of a question word ("归谁", "谁管", "哪个局", "哪家"): the question, never the topic
QUESTION_WORD = re.compile("^(归|由|是|找|问)?(谁|哪个|哪家|哪些|哪)")
MODAL = re.compile("^(要|想|需)[\u4e00-\u9fff]$")
COUNT_ASK = re.compile(
    "^(几|多少)([处名批项条次座家所个场户人台辆套]|大|大?[类种块])$"
)  # "建几处": the question, never the topic  # 要建, 想搞: a modal glued to a verb
# the household bins' names: "回收" inside 可回收物 is no plan keyword when nothing else asks about the plan
BIN_NAME = re.compile("|".join(sorted((w for w, c in CATEGORY_WORDS.items() if c in BINS), key=len, reverse=True)))
A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")  # 能不能, 行不行 (中不中 after normalize), 有没有, 达不达
# Words written several ways in plans and questions, unified before segmenting: knowledge/data/plan_synonyms.yaml.
SYNONYMS_FILE = Path(__file__).with_name("data") / "plan_synonyms.yaml"
KNOWN_PARTS = known_parts()


def _load_synonyms(path: Path = SYNONYMS_FILE) -> list[tuple[re.Pattern[str], str]]:
    """The reviewable synonym list: (pattern, the one spelling), in file order."""
    rows = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [(re.compile(str(r["pattern"])), str(r["as"])) for r in rows]


SYNONYMS = _load_synonyms()
# Places residents may ask about; a plan question about one with no plan loaded is told so (knowledge/places.py).
DOMAIN_WORDS = (
    "利用率",
    "综合利用率",
    "回收率",
    "回收利用率",
    "覆盖率",
    "普及率",
    "满意度",
    "参与度",
    "无废细胞",
    "使用率",
    "收运",
    "收运量",
    "清运量",
    "处理量",
    "分拣量",
    "专班",
    "工作专班",
    "奖补",
)

MEASURE_WORDS = {
    "利用", "利用率", "综合", "综合利用", "综合利用率", "回收", "回收率", "回收利用", "回收利用率", "覆盖", "覆盖率",
    "处理", "处理率", "使用", "使用率", "资源", "资源化", "普及", "普及率", "无害", "无害化",
}  # fmt: skip
MIN_COVERAGE = 0.7  # share of the question's keyword weight a target must explain
FALLBACK_CONFIDENCE = 0.75  # a quoted sentence answers a question no extraction fits only when it covers it this well
T = TypeVar("T")

_words_added = False


def _jieba() -> jieba.Tokenizer:
    """The shared tokenizer, with the plan vocabulary added once per process."""
    global _words_added
    if not _words_added:
        add_words(DOMAIN_WORDS, freq=20000)
        _words_added = True
    return shared_tokenizer()


def unify(text: str) -> str:
    """The text with synonyms written one way: 回收利用率/资源化利用率/综合利用率 -> 利用率, 固废 -> 固体废物 …"""
    for rx, word in SYNONYMS:
        text = rx.sub(word, text)
    return text


def tokens(text: str) -> set[str]:
    """Keywords of a text: jieba search-mode words without stop words or single characters."""
    clean = re.sub(r"[“”\"'《》（）()，。、？?！!：:；;\s]", " ", unify(text.lower()))
    clean = A_NOT_A.sub(" ", clean)  # "能不能到97", "中不中达到": the question form, never a keyword ("不能")
    words = set(_jieba().cut_for_search(clean))
    # "焚烧处理率" is cut 焚烧处理 + 率 while "处理率" stands alone elsewhere: give both the measure word
    words |= {
        m.group(1) + m.group(2) for m in re.finditer("(?=([\u4e00-\u9fff]{2})(率|度))", clean) if m.group(1) in words
    }
    kept = {
        w
        for w in words
        if len(w) > 1
        and w not in STOP
        and not w.strip().isdigit()
        and not ASKING.search(w)
        and not MODAL.match(w)
        and not QUESTION_WORD.match(w)
        and not COUNT_ASK.match(w)
    }
    return {w for w in kept if not _stop_compound(w, words)}


def _stop_compound(word: str, words: set[str]) -> bool:
    """Whether a search-mode compound is a stop word glued to another word: 垃圾焚烧 = 垃圾 + 焚烧."""
    if word in DOMAIN_WORDS:
        return False  # 无废细胞 is one thing, not 无废 + 细胞
    for i in range(2, len(word) - 1):
        a, b = word[:i], word[i:]
        if (a in STOP and b in words) or (b in STOP and a in words):
            return True
    return False


@dataclass
class _Target:
    city: str | None
    cite: str
    section: str
    phrase: str
    data: dict[str, Any]
    ind: set[str]
    ctx: set[str]
    tail: set[str]  # keywords of the indicator's measure: 利用率, 比重 …
    titles: set[str]  # keywords of the indicator and of the titles of its section and parent
    sentence: str = ""  # the plan sentence the figure came from


@dataclass
class _Task:
    city: str | None
    cite: str
    label: str
    title: str
    lead: list[str]
    responsible: list[str]
    head: set[str]
    body: set[str]
    text: str = ""
    indicator: bool = False  # a row of an indicator table (its 责任单位), not a task of the plan


@dataclass
class _Doc:
    """A loaded plan's metadata."""

    city: str | None
    title: str
    doc_no: str | None
    issuer: str | None
    issued_on: dt.date | None


@dataclass
class _Passage:
    """One sentence of a plan section, for questions answered by quoting: reporting, money, tasks without units."""

    city: str | None
    cite: str
    label: str
    title: str
    sentence: str
    head: set[str]  # keywords of the section title
    body: set[str]  # keywords of the sentence
    full: str = ""  # the whole sentence when `sentence` is one of its "；" clauses
    weight: float = 0.0  # summed idf of `body` (the scored side), set once by the index
    names_unit: bool = False  # the sentence names a unit (UNIT_NAME)
    has_figure: bool = False  # the sentence holds a digit
    quotes_elsewhere: bool = False  # its first figure is another place's (see _quotes_elsewhere)


ANNEX_LABEL = re.compile(r"附件\d*")
YEAR_IN = re.compile(r"20\d\d年")
HAN3 = re.compile("[\u4e00-\u9fff]{3}")
CELL_NAME = re.compile("“(无废[\u4e00-\u9fff]{2,4})”")
DEADLINE = re.compile(r"(完成时限|完成时间|时间节点|时限要求)[：:]\s*([^。；\n]{2,30})")
ROLE_ASK = re.compile("(协同|配合|协办|协助|参与|责任|牵头|负责|主责|主办)(单位|部门)|协同的|协同(?=有|是|哪|谁)")
# "咱县…", "俺们市…": the resident's own place is the city already known, not a topic word
OWN_PLACE = re.compile("(?:咱们|俺们|我们|咱|俺|我|本)(?:县|市|区)(?:里|这边|这儿)?")
# "新郑那边…", "新密这边…": where the asked plan's place is, said after its name, is no topic word
PLACE_FILLER = re.compile("^(?:那边|这边|那里|这里|那儿|这儿|那块|这块)的?")
# "投放点中不中建到200个", "回收率能不能达到97%": a figure the resident offers; the plan's own figure answers it
OFFERED = re.compile(r"(中不中|能不能|行不行|可不可以|会不会|是不是|有没有)")
OFFERED_FIGURE = re.compile(r"(建|达|提高|提升|搞|弄|做)到(\d+(?:\.\d+)?)(个|家|座|所|处|吨|%)?")
# "…是怎么搞的", "积分兑换在哪里推行": how a plan does something; answered by quoting the plan
HOW_CUES = (
    "怎么搞的", "咋搞的", "做法", "经验", "什么模式", "啥模式", "哪里推行", "在哪推行", "怎么推行", "进展",
    "怎么说", "咋说", "怎么讲", "怎么写", "如何表述",
)  # fmt: skip
FACILITY_ASK = re.compile(FACILITY_ASK_PATTERN)
# who did something about a place, or where it was said ("谁提交了支持郑州建设无废城市的建议", "在哪个会上提交的")
EVENT_ASK = re.compile(
    "谁(?:提交|提出|提议|提的|递交)|(?:提交|提出|提议|递交)[^，。？?]{0,3}(?:是谁|的是谁)|是谁提|哪个会|什么会|哪次会"
)
# A fact asked that only a sentence holding it answers: (what the question asks, what the sentence must hold, the
# words for "方案里没有写到「…」"). A drafting note's "现面向全社会征求意见" names no deadline, drafter or channel.
ASKED_FACTS = (
    (re.compile("截止|截至|到期|几号结束|什么时候结束"), re.compile("截止|截至|期限|日前|月底前"), "截止时间"),
    (
        re.compile("(?:哪个|哪些|什么)(?:部门|单位)[^，。？?]{0,3}(?:起草|编制|编写|拟定)|谁(?:起草|编制|编写|拟定)"),
        re.compile("[局委办院]牵头|(?:局|委员会|办公室|中心)(?:负责|组织)?(?:起草|编制|拟定)"),
        "起草单位",
    ),
    (
        re.compile("(?:怎么|咋|如何|去哪|在哪|往哪)(?:提|反馈|交|发)意见|意见(?:发|寄|交|反馈)(?:到|给)哪|邮箱"),
        re.compile("邮箱|电话|地址|来信|传真|@"),
        "意见反馈方式",
    ),
)
HANDLE_ASK = re.compile("怎么处理|咋处理|如何处理|怎么处置|如何处置|怎么办|咋办|怎么管")
WHICH = re.compile(
    "哪(个|些|几个|家)(?![桶类箱色])|(啥|什么)[\u4e00-\u9fff]{0,2}?(机构|园区|平台|项目|企业|机制|设施|行业|措施|工艺|路线|路径|方式|模式|技术|体系|制度)"
    "|咋回事|怎么回事|啥意思|什么意思|是否|会不会|要不要|还(要|会|能)?(新建|建设|建)"
    # "用什么体系", "叫什么名字", "以什么为试点", "五料化指的是哪五料", "哪三家单位", "四个清单是哪四个"
    "|(啥|什么)(体系|名字|试点|工艺|标准|制度|办法|路径|内容|类型|材料|地膜)|叫(什么|啥)|指的?是|指(什么|啥)"
    "|以(什么|啥)为|哪[一二三四五六七八九十两几\\d]+[个家种类项条所座处料]?|(啥|什么)保险"
)  # "是哪个园区", "要成立啥机构", "激励机制是咋回事": the plan's sentence answers
# what a plan does about something, asked with no bin word: "宾馆还会主动提供一次性用品吗", "农药包装回收有没有补贴"
ACTION_ASK = re.compile(
    "主动提供|推广|补贴|试点|应急处置|禁止使用|限制使用|还能用|能不能用|还让用|能不能烧|能烧|协同处置|政策|规定"
    "|能用[\u4e00-\u9fff]{1,12}[不吗么]$"  # "外卖能用不可降解塑料餐具不": the plan's rule, asked the spoken way
    "|还(?:给|提供|发|送)[\u4e00-\u9fff]{1,12}[不吗么]$"  # "宾馆酒店还给一次性塑料用品吗"
    "|奖补|以奖代补"  # "奖补咋弄"
    "|实现(?:什么|啥)"  # "原生生活垃圾要实现什么"
    "|(?:怎么|咋|如何)(?:解决|治理|整治)"  # "农田白色污染咋解决": what the plan does about it
)
# "环境污染责任保险谁要买", "谁来出钱": who must do the act the plan names, said in the plan's sentence (the act's
# subject), not the task's lead unit
WHO_ACTS = re.compile("谁(?:要|得|必须|应当|应该|需要|来)?(买|购买|交|缴|缴纳|投保|出钱|出资|付)")
# a yes/no question: "…吗", "还填埋不", "有没有…", "是否…", "要不要…"
YES_NO = re.compile(r"[吗么嘛][？?]?$|[^\u4e00-\u9fff]?[不没][？?]?$|([\u4e00-\u9fff])[不没]\1|是否|有没有")
USE_ASK = re.compile("用在哪|用到哪|用于哪|用在什么|用来干|用途")  # "再生骨料用在哪": the plan's sentence says where
HOST_ASK = re.compile("(谁|哪个(单位|部门)|哪家)主办|主办(单位|部门)?(是谁|是哪|是什么|是啥)|主办的?(单位|部门)")
KIND_ASK = re.compile("约束性|预期性|约束指标|预期指标|指标属性|指标类型|(什么|啥|哪种)(性质|属性|类型)的?指标")
KIND_SAID = re.compile("(约束|预期)性指标")
# "建在哪个乡镇", "选址在哪": where something is built; the plan may say what, not where
WHERE_ASK = re.compile(
    "(建在|设在|放在|位于|选址|落在|落户|建到)(在)?(哪|什么地方|啥地方)|在哪个(乡镇|镇|乡|街道|村|地方)"
    "|哪(些|几个)(乡镇|镇|乡|街道|村|社区|小区)"  # "以哪些乡镇为重点": the sentence names them
    "|(在)?哪些地方(搞|推行|开展|试点|建)"  # "示范小区在哪些地方搞": where the task runs
)
PLACE_KINDS = {
    "乡镇", "街道", "地方", "哪些", "社区", "村里", "位置", "选址", "建在", "设在", "放在", "位于", "落在", "落户", "建到",
}  # fmt: skip
PLACE_SAID = re.compile(
    "(在|于|依托)[\u4e00-\u9fff]{2,12}(乡|镇|村|街道|园区|公园|景区|路|社区|厂区|基地|开发区|高新区|经开区)"
)
TEXT_NO_PLACE = "方案没有写明具体建在哪里（选址），相关原文如下："
# "比国家要求好多少", "比2020年低多少": a figure against another; the plan's sentence says it ("优于…4.5个百分点")
COMPARE_ASK = re.compile("比.{1,10}(好|高|低|多|少|快|优|强)(多少|几)|优于.{0,8}(多少|几)|高出多少|多出多少")
COMPARE_SAID = re.compile(r"(优于|高于|低于|多于|少于|超过|较).{0,12}\d+(\.\d+)?(个百分点|%)")
CN_NUMERALS = "一二三四五六七八九十"
# "三个90%是哪三个指标": a figure quoted in the question, asking which indicators have it
VALUE_ASK = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(%)")
# "方案以什么为重点", "重点是啥": the plan's focus, asked with no topic
FOCUS_ASK = re.compile(
    "以(什么|啥|哪些)(方面|领域)?为重点|重点是(什么|啥|哪些)|重点(在哪|有哪些|有啥)|抓(什么|啥)重点"
    "|围绕(什么|啥|哪些|哪几)(大)?(类|种|方面|领域)?"  # "方案围绕哪几大类固体废物": the plan's 以…为要素
)
THROW = re.compile("扔|丢|投|倒|放哪|搁")  # "…扔哪个…" asks for a bin, never for a plan sentence
NOW_ASK = re.compile(
    "现在|目前|现状|当前|眼下|现有|基期|基数|基准|基线|原来|以前"
)  # asking where things stand, not the target
DATE_ASKS = {
    "几号",
    "几月",
    "几日",
    "截止",
    "截至",
    "日期",
    "哪天",
    "之前",
    "以前",
}  # asking a date of a duty, not a topic
WHEN = re.compile("什么时候|啥时候|何时|时限|期限|哪年|几月|建完|弄完|搞完|完成时间|截止")
# "哪年几月完成", "什么时候建成", "哪年开始禁止": when a task is done, answered by its 完成时限 (not by the plan's date)
DONE_ASK = re.compile(
    "(?:什么时候|啥时候|何时|哪年|哪一年|几月|多会儿)[^，。？?]{0,4}?"
    "(?:完成|建成|建好|建完|建起来|弄完|搞完|做完|干完|投运|投用|投入使用|到位|开始|实施|落实|覆盖)"
    "|完成时限|完成时间|截止"
    "|(?:什么时候|啥时候|何时|哪年)(?:建|修|开建|动工|建设)[？?]?$"  # "利用厂什么时候建": when it is built
)
UNIT_NAME = re.compile(r"[市县区][\u4e00-\u9fff]{1,12}?(?:局|委|办|中心|社|部|公司|政府)|领导小组|无废办|各牵头单位")


def cite_name(doc: PlanDocument | _Doc) -> str:
    """How replies name a plan: "新郑市方案", "新密市方案（征求意见稿）起草说明"."""
    if not doc.city:
        return doc.title
    name = doc.city + "方案"
    if "征求意见稿" in doc.title:
        name += "（征求意见稿）"
    if doc.title.endswith("说明"):
        name += "起草说明"
    return name


class PolicyIndex:
    """Everything needed to answer plan questions, read from the database once."""

    def __init__(
        self,
        targets: list[_Target],
        tasks: list[_Task],
        docs: list[PlanDocument],
        passages: list[_Passage] | None = None,
    ) -> None:
        self.targets = targets
        self.tasks = tasks
        self._passages = passages
        self._raw_passages: list[tuple[str | None, str, str, str, str, str]] = []  # tokenized on first use
        self._postings: dict[str, list[int]] | None = None  # keyword -> passages holding it (title or sentence)
        self._passage_cities: set[str | None] = set()
        self._quoted: dict[str, list[_Passage]] | None = None
        self.deadlines: dict[tuple[str | None, str], str] = {}  # (city, section label) -> its 完成时限 line
        # (city, cite, label, title, [(number, title) of its items]) of each 保障措施 / 工作要求 part
        self.safeguards: list[tuple[str | None, str, str, str, list[tuple[str, str]]]] = []
        # (city, cite, label, title, text, [(number, title) of its items]) of every short heading ("指导思想")
        self.headings: list[tuple[str | None, str, str, str, str, list[tuple[str, str]]]] = []
        self.docs = [(d.city, cite_name(d), d.facts or {}) for d in docs]
        self.documents = [
            _Doc(d.city, d.title, d.doc_no, d.issuer, d.issued_on) for d in docs
        ]  # plain values: no session needed later
        self.cities = [c for c in dict.fromkeys(d.city for d in docs) if c]
        df: Counter[str] = Counter()
        for t in targets:
            df.update(t.ind | t.ctx)
        for k in tasks:
            df.update(k.head | k.body)
        n = len(targets) + len(tasks) + 1
        self.idf = {w: math.log(n / c) + 1.0 for w, c in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        # keyword -> the targets (indicator, sentence or measure) and the tasks (title or text) holding it: a target
        # or a task sharing no keyword with the question scores 0, so only these are scored
        self._target_postings = _postings(t.ind | t.ctx | t.tail for t in targets)
        self._task_postings = _postings(k.head | k.body for k in tasks)
        # the plan words by character: a question word no plan uses is looked up among the words holding its rarest
        # character instead of scanning the whole vocabulary
        self._by_char: dict[str, set[str]] = {}
        for w in self.idf:
            for ch in w:
                self._by_char.setdefault(ch, set()).add(w)
        units: dict[str, str] = {}
        for k in tasks:
            for u in k.lead + k.responsible:
                units.setdefault(u, u)
                units.setdefault(unit_key(u), u)  # "县供销社" asks for the plan's "县供销合作社"
                if u.startswith("市") and len(u) > 3:
                    units.setdefault(u[1:], u)
                if "人民政府" in u:  # "各区政府干什么" names 各区人民政府
                    units.setdefault(u.replace("人民政府", "政府"), u)
        self.unit_aliases = sorted(units.items(), key=lambda kv: -len(kv[0]))
        # town, sub-district or zone -> the cities that have it: the reviewed list, and those the plans name (load)
        self.parts: dict[str, list[str]] = {name: list(cs) for name, cs in KNOWN_PARTS.items()}

    @classmethod
    def load(cls, session: Session) -> PolicyIndex:
        """Read every plan, task and target into memory and precompute keywords."""
        docs = list(session.scalars(select(PlanDocument).order_by(PlanDocument.id)))
        by_doc = {d.id: d for d in docs}
        sections = {s.id: s for s in session.scalars(select(PlanSection))}
        # the plans' own "无废商超", "无废景区" …: whole words, so "无废商超要创建" is not cut 无废商 + 超要
        _jieba()
        add_words({m for s in sections.values() for m in CELL_NAME.findall(s.title + s.text)}, only_new=True)
        targets = []
        seen: dict[tuple[str, str], set[str]] = {}
        for g in session.scalars(select(PlanTarget).order_by(PlanTarget.document_id, PlanTarget.position)):
            doc = by_doc[g.document_id]
            sec = sections.get(g.section_id) if g.section_id else None
            parent = sections.get(sec.parent_id) if sec and sec.parent_id else None
            titles = " ".join(s.title for s in (sec, parent) if s)
            if (titles, g.sentence) not in seen:  # several targets share one sentence
                seen[(titles, g.sentence)] = tokens(titles + " " + g.sentence)
            ind = tokens(g.indicator)
            targets.append(
                _Target(
                    city=g.city,
                    cite=cite_name(doc),
                    section=sec.label if sec else "",
                    phrase=render_target(g.indicator, g.comparator, g.value, g.unit),
                    data={
                        "indicator": g.indicator,
                        "comparator": g.comparator,
                        "value": g.value,
                        "unit": g.unit,
                        "year": g.year,
                        "city": g.city,
                        "section": sec.label if sec else None,
                    },
                    ind=ind,
                    ctx=seen[(titles, g.sentence)] - ind,
                    tail=tokens(g.indicator[-3:]),
                    titles=ind | tokens(titles),
                    sentence=g.sentence,
                )
            )
        tasks = []
        for k in session.scalars(select(PlanTask).order_by(PlanTask.document_id, PlanTask.position)):
            doc = by_doc[k.document_id]
            head = tokens(k.title)
            sec = sections.get(k.section_id)
            parent = sections.get(sec.parent_id) if sec and sec.parent_id else None
            around = tokens(parent.title) if parent else set()  # "农业领域减废行动" over its ① ② actions
            tasks.append(
                _Task(
                    doc.city,
                    cite_name(doc),
                    k.label,
                    k.title,
                    k.lead_units,
                    k.responsible_units,
                    head,
                    (tokens(k.text) | around) - head,
                    k.title + k.text,
                    any(INDICATOR_PART.search(x.title) for x in (sec, parent) if x),
                )
            )
        index = cls(targets, tasks, docs)
        children: dict[int, list[PlanSection]] = {}
        for sec in sorted(sections.values(), key=lambda x: (x.document_id, x.position)):
            if sec.parent_id is not None:
                children.setdefault(sec.parent_id, []).append(sec)
        for sec in sorted(sections.values(), key=lambda x: (x.document_id, x.position)):
            items = children.get(sec.id, [])
            if HEADING.fullmatch(sec.title) and not ANNEX_LABEL.fullmatch(sec.label):
                doc = by_doc[sec.document_id]
                listed = [(c.label[len(sec.label) :], c.title) for c in items]
                index.headings.append((doc.city, cite_name(doc), sec.label, sec.title, sec.text, listed))
            if SAFEGUARD_TITLE.search(sec.title) and items and not sec.label.startswith("附件"):
                doc = by_doc[sec.document_id]
                numbered = [(c.label[len(sec.label) :], c.title) for c in items]
                index.safeguards.append((doc.city, cite_name(doc), sec.label, sec.title, numbered))
        for sec in sorted(sections.values(), key=lambda x: (x.document_id, x.position)):
            doc = by_doc[sec.document_id]
            if ANNEX_LABEL.fullmatch(sec.label) or not sec.text:
                continue  # an annex's own text (names, lists); the rows of its table ("附件2第3项") are quoted
            due = DEADLINE.search(sec.text)
            if due:
                index.deadlines[(doc.city, sec.label)] = due.group(2).strip()
            for full in re.split(r"(?<=。)", sec.text.replace("\n", "")):
                for sentence in re.split(r"(?<=；)", full):
                    # a one-sentence item is its own title; kept as a passage when it holds a figure or says where
                    # ("依托…经济开发区建设…产业园" answers "产业园建在哪"), or when it is a whole clause rather than a
                    # heading ("一是成立…领导小组，办公室设在县生态环境分局。" answers "办公室设在哪")
                    own = sentence.rstrip("。；") == sec.title and "，" not in sentence
                    if len(sentence) >= 6 and (not own or re.search(r"\d", sentence) or PLACE_SAID.search(sentence)):
                        row = (doc.city, cite_name(doc), sec.label, sec.title, sentence, full)
                        index._raw_passages.append(row)
        for city, _cite, _label, title, sentence, _full in index._raw_passages:
            for name in parts_in(title + sentence):  # "石桥镇", "棠梨高新区": a town or zone this plan names
                if city and city not in index.parts.setdefault(name, []):
                    index.parts[name].append(city)
        for doc in docs:
            for para in (doc.facts or {}).get("opening", []):
                for full in re.split(r"(?<=。)", para):
                    if len(full) >= 6:
                        index._raw_passages.append((doc.city, cite_name(doc), OPENING, doc.title, full, full))
        return index

    @property
    def passages(self) -> list[_Passage]:
        """Every sentence of every section, segmented on first use (most questions never need them)."""
        if self._passages is None:
            self._passages = [
                _Passage(city, cite, label, title, sentence, tokens(title), tokens(sentence), full)
                for city, cite, label, title, sentence, full in self._raw_passages
            ]
        if self._postings is None:
            self._index_passages(self._passages)
        return self._passages

    def _index_passages(self, passages: list[_Passage]) -> None:
        """What scoring a passage needs and does not depend on the question, computed once: weights, flags, postings."""
        for p in passages:
            p.weight = self._weight(p.body)
            p.names_unit = UNIT_NAME.search(p.sentence) is not None
            p.has_figure = re.search(r"\d", p.sentence) is not None
            p.quotes_elsewhere = p.has_figure and _quotes_elsewhere(p)
        self._passage_cities = {p.city for p in passages}
        self._postings = _postings(p.head | p.body for p in passages)

    # ------------------------------------------------------------ entry point

    def names_place(self, text: str) -> bool:
        """True when the text names the place of a loaded plan ("新郑…", "漳北县…")."""
        return any(short_city(c) in text for c in self.cities)

    def named_place(self, text: str) -> str | None:
        """The place of a loaded plan the text names ("槿山县…" -> "槿山县"), or None."""
        return next((c for c in self.cities if short_city(c) in text), None)

    def has_plan(self, city: str | None) -> bool:
        """True when a plan of the resident's city is loaded."""
        return city is not None and any(same_city(c, city) for c in self.cities)

    def answer(self, text: str, *, city: str | None) -> Answer | None:
        """A policy answer, or None when the text is not a question about the plan."""
        found = self._answer(text, city=city)
        q = text.strip()
        part = None if found is None or any(short_city(c) in q for c in self.cities) else self._part(q)
        if found is None or part is None or part[0] not in ZONES or not part[1] or "no_plan" in found.extra:
            return found
        if found.confidence < 0.5:
            # the plan's honest "not found", and the tasks it gives the zone
            return self._part_tasks(found, part[0], part[1])
        if TEXT_CITY_MISSING.split("，")[-1] in found.text:
            return found  # "新郑市的方案里没有找到这一项…下面是其他城市方案里的": already not said of the zone
        if any(name in found.text for name in ZONE_NAMES.get(part[0], (part[0],))):
            return found  # "经开区循环化改造哪年完成": the city's plan says it of the zone itself
        # "经开区领导小组组长是谁" from a 新郑 resident: a zone runs its own work (and 郑州 has one too); the city's
        # plan-wide figure or group is not the zone's, so say its plan is not loaded and which plans name one
        return self._no_plan(part[2] or part[0], named_in=part[1], part=part[0])

    def term_said(self, text: str, *, city: str | None) -> str | None:
        """The sentence of the resident's plan writing a quoted term the question names ("“135”绿色出行"); every
        loaded plan's when the question asks which place says it."""
        q = unify(text)
        anywhere = SAID_WHERE.search(q) is not None
        want = None if anywhere else next((c for c in self.cities if same_city(c, city)), None)
        if want is None and not anywhere:
            return None
        if self._quoted is None:  # term -> the passages writing it in quotes, built on first use
            self._quoted = {}
            for p in self.passages:
                for t in set(QUOTED_TERM.findall(p.sentence)) - GENERIC_TERMS:
                    if len(t) >= 2:
                        self._quoted.setdefault(t, []).append(p)
        lines: list[str] = []
        for term, rows in self._quoted.items():
            if term not in q:
                continue
            for p in rows:
                if (want and p.city != want) or p.cite in "".join(lines):
                    continue
                lines.append(TEXT_QUOTE.format(cite=f"{p.cite} {p.label}", title=p.title, sentence=_shown(p)))
        return "\n".join(lines[:3]) or None

    def _part_tasks(self, found: Answer, part: str, cities: list[str]) -> Answer:
        """`found` (the plan says nothing of the topic) with the tasks the zone's city's plan gives that zone."""
        names = ZONE_NAMES.get(part, (part,))
        rows = [
            k for k in self.tasks if k.city in cities and not k.indicator and any(n in k.title + k.text for n in names)
        ][:3]
        if not rows:
            return found
        items = "；".join(f"{k.label} {k.title}（牵头：{'、'.join(k.lead) or '未写明'}）" for k in rows)
        found.text += "\n" + TEXT_PART_TASKS.format(cite=rows[0].cite, part=part, items=items)
        return found

    def _answer(self, text: str, *, city: str | None) -> Answer | None:
        """`answer` before the check that a zone's answer is said of the zone."""
        q = text.strip()
        asked = [c for c in self.cities if short_city(c) in q]
        part = None if asked else self._part(q)
        if part and _unloaded_place(q.replace(part[0], " ")):
            part = None  # "开封经开区…": the city named decides, not the zone
        zone_elsewhere = False  # "经开区…" from a resident of a city whose plan names none: many cities have one
        if part and part[0] in ZONES and part[1] and not any(same_city(c, city) for c in part[1]):
            zone_elsewhere = True
        elif part and part[1]:  # "龙湖镇…", "石桥镇…": the loaded plan of the city that has the town
            asked = [next((c for c in part[1] if same_city(c, city)), part[1][0])] if city else part[1]
            named = part[0] in self.idf or any(part[0] in w for w in self.idf if len(w) > len(part[0]))
            if part[0] in ZONES or not named:
                # a town the plan never names ("龙湖镇…谁负责") or a zone the plan writes in full ("经开区" for
                # "新郑市经济技术开发区") is no topic word once it has picked the plan
                q = q.replace(part[0], " ")
        asked_city = asked[0] if len(asked) == 1 else None
        for c in self.cities:
            q = q.replace(c, " ").replace(short_city(c), " ")
        if not self.docs:
            return None
        q = OWN_PLACE.sub(" ", q)
        if asked:
            q = PLACE_FILLER.sub(" ", q.strip())
        if OFFERED.search(q) and OFFERED_FIGURE.search(q):
            q = OFFERED_FIGURE.sub(lambda m: f"{m.group(1)}多少{m.group(3) or ''}", OFFERED.sub(" ", q))
        planish = (
            _has(q, HOW_CUES) or _has(q, TARGET_CUES) or _has(q, STRONG_CUES) or _has(q, WHO_CUES) or _has(q, DUTY_CUES)
        )
        planish = planish or ("无废" in q and _has(q, CELL_CUES))
        planish = planish or FACILITY_ASK.search(q) is not None  # "建筑垃圾消纳场在哪": a facility of the plan
        if not planish and BIN_NAME.search(q):
            # "可回收物包括哪些": with no plan cue a bin's name is no plan keyword (回收 inside 可回收物 would find
            # the plan's 利用 tasks); what is left decides, and nothing left means the bin is asked about
            q = BIN_NAME.sub(" ", q)
            if not tokens(q):
                return None
        place = None if asked else _unloaded_place(q.replace(part[0], " ") if part else q)
        if part and (zone_elsewhere or not part[1]) and not place and planish:
            # "高新区…", "经开区…": no loaded plan of the resident's city has one; never another city's figure
            return self._no_plan(part[2] or part[0], named_in=part[1] if zone_elsewhere else [], part=part[0])
        if place and (planish or PROGRAMME_WORD.search(q)):  # "长葛焚烧发电厂炉渣怎么处理": that place's plan
            answer = self._no_plan(place)
            event = EVENT_ASK.search(q) is not None
            if WHEN_ASK.search(q) or event:  # "郑州哪年入选无废城市建设名单": a loaded plan may say it of that place
                # (dated); "谁提交了支持郑州建设无废城市的建议": who did it, or at which meeting, likewise
                words = self._known_words(tokens(EVENT_ASK.sub(" ", q.replace(place, " "))), _jieba().FREQ) - DATE_ASKS
                holding = re.compile(re.escape(bare_name(place)))
                said = self._quote(words, None, dated=not event, phrase=q, holding=holding, national=True)
                if said is not None:
                    answer.text = TEXT_SAID_OF_PLACE.format(place=place) + "\n" + said.text
            return answer
        if place:
            q = q.replace(place, " ")
        want_city = next((c for c in self.cities if same_city(c, city)), None)
        if NATIONAL.search(q) and CITED_ASK.search(q) and not THROW.search(q):
            # "国家的工作方案文号是多少": the national document a loaded plan cites, from any plan when the
            # resident's own does not cite it
            cited = self._cited(q, asked_city or want_city)
            if cited is not None:
                return cited
        if NATIONAL.search(q) and not asked_city and not THROW.search(q):
            # "全国有多少个无废城市", "国家选了多少个城市": what a loaded plan says about the national programme, or
            # that the answers are the loaded plans' (a city's figure is never the nation's)
            national = self._national(q)
            if national is not None:
                return national
        year_m = re.search(r"20\d\d", q)
        year = int(year_m.group(0)) if year_m else None
        want = asked_city or next((c for c in self.cities if same_city(c, city)), None)
        other = None if (asked_city or want or not city) else city  # the resident's own place has no plan
        found = self._dispatch(q, want, year, asked if len(asked) > 1 else [])
        own = asked_city or want
        if (
            own
            and FACILITY_ASK.search(q)
            and (
                found is None
                or (found.confidence <= 0.2 and not found.extra)  # only "方案里没有找到…"
                or found.text.startswith(TEXT_CITY_MISSING.format(city=own))
            )
        ):
            # "新郑医疗废物处置能力怎么提升": the asked city's sentence on that facility, never other cities' figures
            term = FACILITY_ASK.search(q)
            best = self._quote(self._known_words(tokens(HANDLE_ASK.sub(" ", q)), _jieba().FREQ), own, phrase=q)
            if best is not None and term is not None and term.group(0) in unify(best.text):
                found = best
        if found is None and asked_city and (YES_NO.search(q) or USE_ASK.search(q)) and not THROW.search(q):
            # "新郑农村也要垃圾分类吗", "新郑再生骨料用在哪": a loaded plan's place named in a yes/no or 用在哪
            # question asks what that plan says, answered by its sentence
            found = self._quote(self._known_words(tokens(q), _jieba().FREQ), asked_city, phrase=q)
        elif found is None and want and USE_ASK.search(q) and not THROW.search(q):
            # "再生产品优先用在哪" from a resident of a loaded plan's city: what that plan says it is used for
            found = self._quote(self._known_words(tokens(q), _jieba().FREQ), want, phrase=q)
        if found is None and asked_city and HANDLE_ASK.search(q):
            # "新密市污泥怎么处理": the question names a loaded plan's place, so how the plan handles it is asked
            found = self._quote(self._known_words(tokens(HANDLE_ASK.sub(" ", q)), _jieba().FREQ), asked_city)
        unsure = found is None or (found.confidence <= 0.2 and not found.extra)  # only "方案里没有找到…"
        if unsure and PROGRAMME_WORD.search(unify(q)) and not THROW.search(q):
            # "咱这垃圾以后还填埋不", "工业固废咋处理的": a word only the programme uses, with no city or plan word,
            # asks what the resident's city's plan (every plan when none is known) does about it
            words = self._known_words(tokens(HANDLE_ASK.sub(" ", q)), _jieba().FREQ)
            if "垃圾" in q and not re.search("(工业|建筑|危险|医疗|餐厨|厨余)垃圾|危废", q):
                words |= tokens("生活垃圾")  # "咱这垃圾…": a resident's 垃圾 is household waste
            found = self._quote(words, want or asked_city, phrase=q) or found
        unsure = found is None or (found.confidence <= 0.2 and not found.extra)
        # a day's date asked ("世界环境日是几号") is no plan figure: the fallback quotes no sentence for it
        if unsure and (want or asked_city) and planish and not THROW.search(q) and not _has(q, tuple(DATE_ASKS)):
            # "一般工业固体废物每万元产值产生多少吨": no extraction fits, but one sentence of the asker's plan covers
            # the question well; quote it with its section rather than say "not found"
            words = self._known_words(tokens(q), _jieba().FREQ) - DATE_ASKS
            used = {w for w in words if w in self.idf}
            if len(words - used) == 1 and len(used) >= 3:
                # "每万元产值…": one word no plan writes (产值) does not sink an otherwise covered question
                words = used
            best = self._quote(words, want or asked_city, phrase=q)
            sentence = unify(best.extra["quote"]["sentence"]) if best is not None else ""
            # every word asked is in the sentence: "焚烧发电厂的碳排放目标" is not answered by a sentence on 焚烧发电厂
            if (
                best is not None
                and best.confidence >= FALLBACK_CONFIDENCE
                and all(w in sentence or _spread(w).search(sentence) for w in words)
            ):
                found = best
        if (
            found is None
            and (asked_city or (want and FACILITY_ASK.search(q)))
            and (planish or tokens(q) & self.idf.keys())
        ):
            # "松岗县清洁生产有没有奖励": a loaded plan's place and its words, but that plan does not say
            topic = "".join(w for w in _jieba().cut(q) if w.strip() and w not in STOP)[:20] or q[:20]
            found = Answer(intent="policy", text=TEXT_NO_FIGURE.format(topic=topic), confidence=0.2, source="plan")
        if (
            found is not None
            and "quote" in found.extra
            and re.search("多久|什么时候|啥时候|哪年|哪一年|何时", q)
            and TEXT_NO_DATE not in found.text
        ):
            years = YEAR_IN.findall(found.extra["quote"]["sentence"])
            bases = [m.group(0) for m in BASE_SAID.finditer(found.extra["quote"]["sentence"])]
            if years and all(any(y in b.replace(" ", "") for b in bases) for y in years):
                # "16家绿色工厂要多久完成": the sentence's only year is the base ("在2022年…基础上"), not a date
                found.text += "\n" + TEXT_NO_DATE
                found.confidence = min(found.confidence, 0.5)
        if found is not None and "quote" in found.extra and not found.text.startswith(("方案里没有", "方案没有")):
            missing = self._unsaid(q, found.text, found.extra["quote"])
            if missing:
                # "焚烧发电厂碳排放有啥要求", "新密领导小组组长是谁": the nearest sentence does not say what is asked
                found.text = TEXT_NOT_SAID.format(words="、".join(missing)) + "\n" + found.text
                found.confidence = min(found.confidence, 0.5)
        if found is not None and FIGURE_ASK.search(q) and not found.text.startswith("方案里没有"):
            sentence = found.extra["quote"]["sentence"] if "quote" in found.extra else ""
            amount = AMOUNT_ASK.search(q)
            unit = {"钱": "元"}.get(amount.group(1), amount.group(1)) if amount else ""
            if (sentence and not FIGURE_SAID.search(sentence)) or (
                unit and not re.search(rf"\d\s*[万亿]?{unit}", found.text)
            ):
                found.text = TEXT_NO_NUMBER + "\n" + found.text
                found.confidence = min(found.confidence, 0.5)
        if found is not None and other and found.extra.get("targets", found.extra.get("units")) is not None:
            found.text = TEXT_OTHER_CITIES.format(place=other) + "\n" + found.text
            found.confidence = min(found.confidence, 0.6)
        return found

    def _dispatch(self, q: str, want: str | None, year: int | None, among: list[str]) -> Answer | None:
        """The answer for a question with the city names already taken out; `among` when it names several."""
        if BASE_ASK.search(q):
            found = self._base_year(q, want)
            if found:
                return found
        if CITED_ASK.search(q):
            found = self._cited(q, want)
            if found:
                return found
        if PERIOD_ASK.search(q):
            found = self._period(want)
            if found:
                return found
        found = self._section(q, want, among)
        if found:
            return found
        if SAFEGUARD_ASK.search(q) and LIST_ASK.search(q) and not re.search("多少|几(?!条|项)", q):
            found = self._safeguards(want, among)
            if found:
                return found
        if WHAT_ASK.search(q) and not re.search("多少|(?<!哪)几(?!条|项)", q) and not _has(q, WHO_CUES):
            found = self._heading(q, want, among)  # "指导思想是什么", "基本原则有哪些": that part of the plan
            if found:
                return found
        meta = _has(q, META_CUES) and not _has(q, ("率", "目标", "指标")) and not DONE_ASK.search(q)
        # "收费标准哪个部门出台": who issues a thing the plan names is a task's question, not the plan's date
        if meta and [c for c in META_CUES if c in q] == ["哪年"] and ACTION_BEYOND_META.search(q):
            meta = False  # "商场超市禁止塑料袋是到哪年": the year of a measure, not the plan's own date
        if meta and not (_has(q, WHO_CUES) and tokens(q) - set(META_CUES)):
            return self._metadata(want, among)
        if PARTS_ASK.search(q):  # "重点任务分几大块", "保障措施有几个方面": the items of that part, counted
            found = self._parts(q, want, among)
            if found:
                return found
            # "方案有几部分": no heading named, so the sentence that counts the plan's own parts ("…五部分")
            words = self._known_words(tokens(q), _jieba().FREQ)
            found = self._quote(words, want, phrase=q, holding=WHOLE_PARTS)
            if found:
                return found
            if not tokens(PARTS_ASK.sub(" ", q)) - SECTION_WORDS - STOP:
                found = self._top_parts(want)  # "新郑方案分几部分": its 一、…五、 headings, counted
                if found:
                    return found
        if re.search("(多少|几)(项|个|条)(重点)?任务", q):
            return self._task_count(want, among)
        figure = VALUE_ASK.search(q)
        if figure and re.search("哪|什么|啥", q) and not WHEN_ASK.search(q):
            # "三个90%是哪三个指标", "99.5%指的是啥": the indicators whose figure is the one quoted
            found = self._by_value(float(figure.group(1)), figure.group(2), want, among)
            if found:
                return found
        counting = re.search("多少|(?<!哪)几", q)  # "建几个" asks a count, "哪几个" asks for the names
        asks_who = _has(q, WHO_CUES)  # "无废细胞建设配合单位有哪些" asks who, not which kinds
        if ("无废细胞" in q or re.search("无废(景区|公园)", q)) and _has(q, CELL_CUES) and not (counting or asks_who):
            found = self._cells(want)
            if found:
                return found
        if HOST_ASK.search(q) and not tokens(HOST_ASK.sub(" ", q)):
            # "新郑的方案谁主办": the notice's closing "主办：…" line (a task's 主办单位 is asked with its topic)
            host = [(cite, unit) for _c, cite, unit in self._facts("host", want)]
            if host:
                text = "\n".join(f"{cite}：主办单位为{unit}。" for cite, unit in host)
                return Answer(intent="policy", text=text, confidence=0.8, source="plan", extra={"tasks": []})
        if "办公室" in q and "主任" in q:  # "领导小组办公室主任是谁": the office line of the leadership list
            office = [(cite, f["office"]) for _c, cite, f in self._facts("leadership", want) if f.get("office")]
            if office:
                text = "\n".join(f"{cite}：{line}" for cite, line in office)
                return Answer(intent="policy", text=text, confidence=0.8, source="plan", extra={"tasks": []})
        if "领导小组" in q and not _has(q, ("办公室", "设在")):
            found = self._leaders(want)
            if found:
                return found
        if "指标" in q and re.search("(多少|几)个", q):
            found = self._indicator_system(want)
            if found:
                return found
        if KIND_ASK.search(q):  # "装配式建筑比例是约束性指标吗": the indicator's 指标属性 from its table row
            named_words = self._known_words(tokens(KIND_ASK.sub(" ", q)), _jieba().FREQ)
            found = self._quote(named_words, want, phrase=q, holding=KIND_SAID)
            if found:
                return found
        if FOCUS_ASK.search(q) and not tokens(FOCUS_ASK.sub(" ", q)) and want:
            found = self._focus(want)  # "漳北方案以什么为重点": the plan's own 以…为重点, not a task's
            if found:
                return found
        named = next(((alias, full) for alias, full in self.unit_aliases if alias in q), None)
        unit = named[1] if named else None
        if unit and _has(q, UNIT_CUES) and not (named and WHO_WORD.search(q.replace(named[0], " "))):
            # "石桥镇的垃圾中转站谁负责": a town named with a topic and 谁 asks who leads that task, not the town's tasks
            return self._unit_tasks(unit, want)
        freq = _jieba().FREQ
        who = _has(q, WHO_CUES)
        if not (
            who
            or _has(q, DUTY_CUES)
            or _has(q, TARGET_CUES)
            or _has(q, STRONG_CUES)
            or DONE_ASK.search(q)
            or WHICH.search(q)
            or WHERE_ASK.search(q)
            or ACTION_ASK.search(q)
            or CONTACT_ASK.search(q)
            or (want and _has(q, HOW_CUES))
            or (want and WHEN_ASK.search(q))
        ):
            return None  # no branch below can answer ("量子纠缠器扔哪"): the topic is not segmented for nothing
        # "…公安局配合吗": the unit named is who is asked about, not the task's topic
        topic = q.replace(named[0], " ") if (named and who) else q
        # "协同单位" asks who; "协同处置"/"协同治理" is a topic (协同 is no stop word)
        topic = ROLE_ASK.sub(" ", topic)
        # a word jieba guessed from two stray characters ("厂建") that no plan uses only dilutes the question
        words = self._known_words(tokens(topic), freq)
        if who and not (words - PROGRAMME_NAME) and not _has(q, DUTY_CUES) and "无废" in q:
            # "无废城市建设谁牵头", "薛店镇无废城市建设谁负责": the whole programme is led by the leadership group
            found = self._leaders(want) or self._quote(tokens("领导小组"), want, phrase="领导小组")
            if found:
                return found
        acts = WHO_ACTS.search(q)
        if who and acts:
            found = self._quote(words, want, phrase=q, holding=re.compile(acts.group(1)[-1]))
            if found:
                return found
        if CONTACT_ASK.search(q):  # "有意见建议打哪个电话": the plan's sentence with the number or hotline
            asked = self._known_words(tokens(CONTACT_ASK.sub(" ", q)), _jieba().FREQ)
            found = self._quote(asked, want, phrase=q, holding=PHONE_SAID)
            if found:
                return found
        for word in ("组长", "设在"):  # "工作专班组长是谁", "专班办公室设在哪": the sentence that says it
            if word in q:
                found = self._quote(words, want, phrase=q, holding=re.compile(word))
                if found:
                    return found
                found = self._quote(words, want, phrase=q)
                if found and word == "组长" and want:
                    # "新密领导小组组长是谁": the asked plan names no 组长; say so before its nearest sentence
                    found.text = TEXT_NOT_SAID.format(words=word) + "\n" + found.text
                    found.confidence = min(found.confidence, 0.5)
                    return found
        if who and not _has(q, DUTY_CUES):
            found = self._who(words, want, q)
            if found:
                return found
        if DONE_ASK.search(q) and "率" not in q:  # "撤桶并点什么时候完成": the task's 完成时限 line
            found = self._deadline(words - DATE_ASKS, want) or self._quote(
                words - DATE_ASKS, want, dated=True, phrase=q
            )  # "商场超市哪年开始禁止用不可降解塑料袋": no 完成时限 line, the sentence with its year
            if found:
                return found
            found = self._quote(words - DATE_ASKS, want, phrase=q)
            if found and not any(c in q and not WHEN.search(c) for c in DUTY_CUES):  # not "什么时候报送"
                # "阳光堆肥房啥时候建好" of a task with no date: its sentence, and that the plan gives no time
                found.text += "\n" + TEXT_NO_DATE
                return found
        if WHEN_ASK.search(q) and not any(c in q and not WHEN.search(c) for c in DUTY_CUES) and not who:
            # "商场超市禁止不可降解塑料袋是到哪年", "无废景区什么时候之前要建好": the dated sentence on the measure
            rest = WHEN_WORDS.sub(" ", q)
            when_said = self._quote(self._known_words(tokens(rest), freq) - DATE_ASKS, want, dated=True, phrase=q)
            if when_said:
                return when_said
        duty_hits = [c for c in DUTY_CUES if c in q]
        if who and duty_hits and all(any(c in w for w in words) for c in duty_hits):
            # "垃圾分类督导员由谁配备": the duty word is only part of the topic (督导员), the question asks who; a task
            # naming units that holds every word answers it ("以哪些单位为重点" still quotes the plan)
            found = self._who(words, want, q)
            if (
                found
                and found.extra.get("covered")
                and found.extra["units"]["lead"] + found.extra["units"]["responsible"]
            ):
                return found
        if _has(q, DUTY_CUES):
            words = words - DATE_ASKS  # "报送截止是几号": the date is what the quote gives
            if WHERE_ASK.search(q):
                words = words - PLACE_KINDS  # "以哪些乡镇为重点": the sentence names the towns, not 乡镇
            dated = bool(WHEN.search(q))  # "无废景区什么时候建成": a sentence with its year ("到2023年底，建设…")
            found = (
                (self._quote(words, want, who=who, dated=True, phrase=q) if dated else None)
                or self._quote(words, want, who=who, phrase=q)
                or (self._quote(words, want, phrase=q) if who else None)
            )
            if found:
                due = self.deadlines.get((found.extra["quote"]["city"], found.extra["quote"]["label"]))
                if due and WHEN.search(q) and due not in found.text:
                    found.text += f"\n完成时限：{due}。"  # "什么时候建完": the task's own deadline line
                return found
        if COMPARE_ASK.search(q):  # "能耗下降比国家要求好多少": the sentence's "优于国家要求4.5个百分点"
            found = self._quote(words, want, number=True, phrase=q, holding=COMPARE_SAID)
            if found:
                return found
        if _has(q, TARGET_CUES):
            # the unit of the figure asked: after a count word ("几家", "多少万吨"), or a percentage anywhere;
            # never a character of another word (平台, 国家, 市场, 农户)
            asked_unit = re.search("(?:几|多少)(?:个|万)?(吨|家|座|所|场|万元|公里|亩|处|台|辆|套|户)|(%|百分)", q)
            unit = (
                {"百分": "%"}.get(
                    asked_unit.group(asked_unit.lastindex or 1), asked_unit.group(asked_unit.lastindex or 1)
                )
                if asked_unit
                else ""
            )
            unit = unit or ("吨" if "能力" in unify(q) else "")  # a capacity is a tonnage, not the number of plants
            unit = unit or ("%" if re.search("(?<!效)率", q) else "")  # a rate is a percentage, not a count
            unit = unit or ("个" if re.search("(多少|几)个", q) else "")  # "回收点建多少个": a count, not the rate
            found = self._targets(words, want, year, unit, among, now=bool(NOW_ASK.search(q)))
            if found and unit and not any(unit in t["unit"] for t in found.extra["targets"]):
                # "多少户设一个投放点": no figure of the asked unit was parsed; a sentence holding one answers it
                said = self._quote(words, want, number=True, phrase=q)
                if said and re.search(rf"\d{re.escape(unit)}", said.extra["quote"]["sentence"]):
                    return said
            if found and want and not unit and found.text.startswith(TEXT_CITY_MISSING.format(city=want)):
                # "化肥施用量有啥要求": the asked city's plan says it in words ("稳中有降"), not as a figure
                said = self._quote(words, want, phrase=q)
                if said:
                    return said
            if found and want and unit and found.text.startswith(TEXT_CITY_MISSING.format(city=want)):
                # "产废企业有多少家": the asked city's sentence holds the count ("对全县46家产废企业…") though no
                # target was parsed from it; it beats other cities' figures
                said = self._quote(words, want, number=True, phrase=q)
                if said and re.search(rf"\d{re.escape(unit)}", said.extra["quote"]["sentence"]):
                    return said
            if (
                found
                and year
                and want
                and found.extra["targets"]
                and all(t.get("year") != year for t in found.extra["targets"])
            ):
                # "2030年回收利用率目标" of a plan whose figure is for 2025: not that year's figure
                found.text = TEXT_NO_YEAR.format(year=year) + "\n" + found.text
                found.confidence = min(found.confidence, 0.55)
            if found:
                return found
            found = self._quote(words, want, number=True, phrase=q)
            if found:
                return found
        if who:
            found = self._quote(words, want, who=True, phrase=q)
            if found:
                return found
        if (WHICH.search(q) or WHERE_ASK.search(q)) and not THROW.search(q):
            # "园区循环化改造是哪个园区", "产业园建在哪": the plan sentence names it
            where = WHERE_ASK.search(q)
            found = (
                self._quote(words - PLACE_KINDS, want, phrase=q, holding=PLACE_SAID) if where else None
            ) or self._quote(words - PLACE_KINDS if where else words, want, phrase=q)  # a sentence naming the place
            if found and where and not PLACE_SAID.search(found.extra["quote"]["sentence"]):
                # "餐厨垃圾处理中心建在哪个乡镇": the plan says what is built, not where
                found.text = TEXT_NO_PLACE + "\n" + found.text
                found.confidence = min(found.confidence, 0.55)
            if found:
                return found
        if ACTION_ASK.search(q) and not THROW.search(q):  # "外卖还能用不可降解的塑料餐具吗": the plan's rule
            found = self._quote(words, want, phrase=q)
            if found:
                return found
        asks_figure = re.search("多少|几|百分|率|目标|指标|比例", q)
        if want and not asks_figure and (_has(q, TARGET_CUES) or _has(q, DUTY_CUES) or _has(q, HOW_CUES)):
            found = self._quote(words, want, phrase=q)  # "推进不力会怎样": the asked place's plan says it in a sentence
            if found:
                return found
        if _has(q, STRONG_CUES) or _has(q, WHO_CUES[1:]):
            topic = "".join(w for w in _jieba().cut(q) if w.strip() and w not in STOP)[:20] or q[:20]
            return Answer(intent="policy", text=TEXT_NO_FIGURE.format(topic=topic), confidence=0.2, source="plan")
        return None

    def _by_value(self, value: float, unit: str, want: str | None, among: list[str]) -> Answer | None:
        """The targets of the asked plan (every plan's when none is known) whose figure is `value` `unit`."""
        hits = [
            t
            for t in self.targets
            if math.isclose(t.data["value"], value)
            and t.data["unit"] == unit
            and not t.data["indicator"].endswith(BASELINE_WORD)
            and (t.city == want if want else (not among or t.city in among))
        ]
        if not hits:
            return None
        many = len({t.city for t in hits}) > 1
        lines = []
        for t in hits[:8]:
            when = f"到{t.data['year']}年，" if t.data["year"] else ""
            prefix = f"{t.city}：" if many and t.city else ""
            lines.append(f"{prefix}{when}{t.phrase}（{t.cite} {t.section}）")
        return Answer(
            intent="policy",
            text="\n".join(dict.fromkeys(lines)),
            confidence=0.8,
            source="plan",
            extra={"targets": [t.data for t in hits[:8]]},
        )

    def _focus(self, want: str) -> Answer | None:
        """The sentence of a top-level part of `want`'s plan that says 以…为重点/为要素 (the plan's focus, not a task's)."""
        said = [
            p
            for p in self.passages
            if p.city == want
            and (p.label == OPENING or re.fullmatch(f"[{CN_NUMERALS}]+", p.label))
            and re.search("以.{2,60}为(重点|要素|主线)", p.sentence)
        ]
        if not said:
            return None
        return _quote_answer(said[0], 0.75)

    def _known_words(self, words: set[str], freq: dict[str, int]) -> set[str]:
        """Question keywords; one no plan uses ("焚烧厂") stands for the plan words it contains ("焚烧")."""
        out = set()
        for w in words:
            if w in self.idf:
                out.add(w)
                continue
            if len(w) >= 3:
                parts = {w[i:j] for i in range(len(w)) for j in range(i + 2, len(w) + 1)} & self.idf.keys()
                known = {x for x in parts if not any(x != y and x in y for y in parts)}
                if known:
                    out |= known
                    continue
            inside = []
            if len(w) >= 2:
                holding = min((self._by_char.get(ch, set()) for ch in w), key=len)
                inside = [x for x in holding if w in x and len(x) <= len(w) + 4]
            if 0 < len(inside) <= 3:  # "限塑" is written "禁塑限塑" in the plan
                out |= set(inside)
                continue
            if freq.get(w):
                out.add(w)
        return out

    def _metadata(self, want: str | None, among: list[str]) -> Answer:
        """Title, 文号 and date of the loaded plans (of the asked city when one is named)."""
        lines = []
        for doc in self.documents:
            if (want and doc.city != want) or (among and doc.city not in among):
                continue
            parts = [f"《{doc.title}》"]
            if doc.doc_no:
                parts.append(f"文号{doc.doc_no}")
            if doc.issued_on:
                parts.append(f"{doc.issued_on.year}年{doc.issued_on.month}月{doc.issued_on.day}日印发")
            if doc.issuer:
                parts.append(f"发文单位{doc.issuer}")
            lines.append(TEXT_META.format(cite=cite_name(doc), parts="，".join(parts)))
        return Answer(intent="policy", text="\n".join(lines), confidence=0.9, source="plan", extra={"tasks": []})

    def _task_count(self, want: str | None, among: list[str]) -> Answer:
        """How many tasks each plan (or the asked city's) lists, and how many name a 牵头单位."""
        counts: dict[str, list[_Task]] = {}
        for k in self.tasks:
            if (want and k.city != want) or (among and k.city not in among):
                continue
            counts.setdefault(k.cite, []).append(k)
        lines = [
            TEXT_TASK_COUNT.format(cite=cite, n=len(ks), n_lead=sum(1 for k in ks if k.lead))
            for cite, ks in counts.items()
        ]
        return Answer(intent="policy", text="\n".join(lines), confidence=0.85, source="plan", extra={"tasks": []})

    def _national(self, q: str) -> Answer | None:
        """A plan sentence about the national programme that covers the question, else a reply saying the answers are
        the loaded plans' when a national figure is asked; None when the question is not about a figure."""
        words = {w for w in self._known_words(tokens(q), _jieba().FREQ) if len(w) > 1} - {"全国", "国家"}
        # nothing but the national word: only 全国 scopes a count ("全国…113个城市"); 国家 alone qualifies other
        # things (国家要求, 国家指标体系), so a sentence holding it and a figure is no answer
        # ... unless 国家 is who chose or named cities ("国家选了多少个城市"): that is the national count
        words = words or ({"全国"} if "全国" in q or NATIONAL_AGENT.search(q) else set())
        counting = re.search("多少|几|百分|率|目标|指标", q) is not None
        found = self._quote(words, None, number=counting, phrase=q, holding=NATIONAL, national=True) if words else None
        if found is not None:
            return found
        if not counting:
            return None
        loaded = "、".join(dict.fromkeys(cite for _c, cite, _f in self.docs))
        return Answer(
            intent="policy",
            text=TEXT_NATIONAL.format(loaded=loaded),
            confidence=0.6,
            source="plan",
            extra={"targets": [], "national": True},
        )

    def _part(self, q: str) -> tuple[str, list[str], str | None] | None:
        """(name, loaded cities that have it, "郑州高新区" when one city with no plan has it too) for a town or zone
        the question names; None when it names none."""
        name = max((n for n in self.parts if n in q), key=len, default=None) or next(iter(parts_in(q)), None)
        if name is None:
            return None
        cities = self.parts.get(name, [])
        loaded = [c for c in self.cities if any(same_city(c, x) for x in cities)]
        unloaded = [x for x in cities if not any(same_city(c, x) for c in self.cities)]
        return name, loaded, (short_city(unloaded[0]) + name if len(unloaded) == 1 else None)

    def _no_plan(self, place: str, *, named_in: list[str] | None = None, part: str = "") -> Answer:
        """A place with no plan loaded: say so, name the loaded plans, show no figure."""
        loaded = "、".join(dict.fromkeys(cite for _c, cite, _f in self.docs))
        text = TEXT_NO_CITY_PLAN.format(place=place, loaded=loaded)
        if named_in:  # "经开区…": which loaded plans have one, asked with the city's name
            names = "、".join(short_city(c) + part for c in named_in)
            text += TEXT_PART_ELSEWHERE.format(names=names, example=short_city(named_in[0]) + part)
        return Answer(
            intent="policy",
            text=text,
            confidence=0.9,
            source="plan",
            extra={"targets": [], "no_plan": place, "loaded": [c for c, _cite, _f in self.docs]},
        )

    # ------------------------------------------------------------ quoting the plan

    def _quote(
        self,
        words: set[str],
        want: str | None,
        *,
        who: bool = False,
        number: bool = False,
        dated: bool = False,
        phrase: str = "",
        holding: re.Pattern[str] | None = None,
        national: bool = False,
    ) -> Answer | None:
        """The plan sentence that best covers the question, quoted with its section; None below the coverage bar.

        `holding`: only sentences this pattern finds ("约束性指标" for "…是约束性指标吗").

        `phrase`: the question; a sentence holding three of its characters in a row ("推进会", "为重点") wins a tie.
        """
        if not words:
            return None
        grams = {g for i in range(len(phrase) - 2) if HAN3.fullmatch(g := phrase[i : i + 3])}
        passages = self.passages
        assert self._postings is not None
        # a passage sharing no keyword with the question scores 0: only those in the words' postings are scored,
        # in plan order (the first of equal scores wins)
        best: tuple[float, _Passage] | None = None
        for p in _posted(passages, self._postings, words):
            if want and p.city != want:
                continue
            if (who and not p.names_unit) or (number and not p.has_figure):
                continue
            if dated and not YEAR_IN.search(p.sentence):
                continue
            if holding is not None and not holding.search(p.sentence):
                continue
            if number and p.quotes_elsewhere and not national:
                continue  # "开封市…可以达到92%" quoted in this plan is another place's figure
            s = self._score(words, p.body, p.head, 0.5, set(), p.sentence, head_weight=p.weight)
            bar = 1.0 if national else 1.5  # "全国有多少个…": 全国 is the only word; the sentence must say 全国/国家
            if s >= bar and grams:
                s += min(0.6, 0.3 * sum(g in p.sentence for g in grams))
            if s >= bar and (best is None or s > best[0]):
                best = (s, p)
        if best is None:
            return None
        s, p = best
        many = len(self._passage_cities) > 1
        cite = f"{p.cite} {p.label}" if (want or not many) else f"{p.city}：{p.cite} {p.label}"
        # a "；" clause is quoted with the rest of its sentence ("评估结果通报；对滞后的单位实行约谈。")
        return _quote_answer(p, 0.75 if s >= 4 else 0.55, cite=cite)

    # ------------------------------------------------------------ targets

    def _weight(self, words: set[str]) -> float:
        """Summed idf; words the plans never use weigh as much as the rarest word."""
        return sum(self.idf.get(w, self.max_idf) for w in words)

    def _score(
        self,
        words: set[str],
        head: set[str],
        body: set[str],
        body_weight: float,
        tail: set[str],
        text: str = "",
        *,
        head_weight: float | None = None,
    ) -> float:
        """How well a target or task fits the question: idf overlap, scaled by how much of the question it covers.

        The subject of the question (建筑垃圾, 秸秆 …) must be covered, not only its measure (利用率 …); a hit on the
        indicator's own measure word (its tail) counts extra. A question word the plan writes with a word or two
        inside it (塑料袋 / 塑料购物袋, 堆场 / 堆存场所) counts as covered when `text` is given. `head_weight` is
        `_weight(head)` when the caller has it already.
        """
        both = head | body
        if text:
            both = both | {w for w in words - both if _spread(w).search(text)}
        coverage = self._weight(words & both) / (self._weight(words) or 1.0)
        subject = words - MEASURE_WORDS
        if coverage < MIN_COVERAGE or (subject and self._weight(subject & both) / self._weight(subject) < MIN_COVERAGE):
            return 0.0
        hit = self._weight(words & head)
        ctx = self._weight(words & body)
        if head_weight is None:
            head_weight = self._weight(head)
        return (hit + body_weight * ctx + 0.5 * hit / (head_weight or 1.0) + 0.5 * self._weight(words & tail)) * (
            coverage
        )

    def _targets(
        self,
        words: set[str],
        want: str | None,
        year: int | None,
        unit: str = "",
        among: list[str] | None = None,
        *,
        now: bool = False,
    ) -> Answer | None:
        """The figures that answer the question; a table's baseline ("…现状") only when the present is asked."""
        if not words:
            return None
        per_city: dict[str | None, list[tuple[float, _Target]]] = {}
        subject = words - MEASURE_WORDS
        for t in _posted(self.targets, self._target_postings, words):
            s = self._score(words, t.ind, t.ctx, 0.5, t.tail, t.sentence)
            if subject and self._weight(subject & t.titles) < 0.3 * self._weight(subject):
                continue  # the question's subject is only in the sentence around this figure, not in it
            if unit and s:
                s *= 1.5 if unit in t.data["unit"] else 0.7
            if s < 1.5:
                continue
            if t.data["indicator"].endswith(BASELINE_WORD) and not (year and t.data["year"] == year):
                s *= 1.5 if now else 0.4  # "现在是多少" asks the baseline; "要达到多少" the target
            if year and t.data["year"] == year:
                s += 0.3
            if among and t.city not in among:
                continue  # "新郑比新密高多少": only the cities named
            per_city.setdefault(t.city, []).append((s, t))
        missing = want is not None and want not in per_city  # the asked city's plan has no such figure
        if want and not missing:
            per_city = {want: per_city[want]}
        if not per_city:
            return None
        lines, chosen = [TEXT_CITY_MISSING.format(city=want)] if missing else [], []
        best_overall = 0.0
        for c, scored in per_city.items():
            scored.sort(key=lambda st: -st[0])
            in_year = [st for st in scored if year and st[1].data["year"] == year]
            if in_year and in_year[0][0] >= 0.5 * scored[0][0]:
                # "2022年有几家": the figure of the year asked (a baseline 现状) beats a better-worded target of 2025
                scored = in_year
            top = scored[0][0]
            best_overall = max(best_overall, top)
            picked = [t for s, t in scored if s >= 0.85 * top][:3]
            if year:  # "2024年…多少": the same indicator's figure for another year is not the answer
                asked = {t.data["indicator"] for t in picked if t.data["year"] == year}
                picked = [t for t in picked if t.data["year"] == year or t.data["indicator"] not in asked]
            for t in picked:
                when = f"到{t.data['year']}年，" if t.data["year"] else ""
                if t.data["year"] and t.data["indicator"].endswith(BASELINE_WORD):
                    when = f"{t.data['year']}年，"  # where things stood that year, not a target "到…年"
                prefix = f"{c}：" if (len(per_city) > 1 or missing) and c else ""
                said = t.phrase
                if subject and self._weight(subject & t.ind) < 0.5 * self._weight(subject) and len(t.sentence) <= 160:
                    # the figure's own name does not say what was asked ("每年不少于150万元" for 奖励多少):
                    # the plan's sentence does
                    when, said = "", "原文：" + t.sentence.strip()
                lines.append(f"{prefix}{when}{said}（{t.cite} {t.section}）")
                chosen.append(t.data)
        confidence = 0.9 if best_overall >= 4 and not missing else 0.6
        return Answer(
            intent="policy",
            text="\n".join(lines),
            confidence=confidence,
            source="plan",
            extra={"targets": chosen},
        )

    # ------------------------------------------------------------ responsibility

    def _who(self, words: set[str], want: str | None, phrase: str = "") -> Answer | None:
        grams = {phrase[i : i + 4] for i in range(len(phrase) - 3)} if phrase else set()
        grams = {g for g in grams if re.fullmatch("[\u4e00-\u9fff]{4}", g) and not _has(g, WHO_CUES)}
        per_city: dict[str | None, list[tuple[float, _Task]]] = {}
        for k in _posted(self.tasks, self._task_postings, words):
            if want and k.city != want:
                continue
            s = self._score(words, k.head, k.body, 0.3, set(), k.text)
            if s and grams and any(g in k.text for g in grams):
                s += 0.5  # the question's own wording ("无废学校") is in this task
            if s >= 1.5:
                per_city.setdefault(k.city, []).append((s, k))
        if not per_city:
            return None
        shown: list[tuple[float, _Task]] = []
        for scored in per_city.values():
            scored.sort(key=lambda sk: -sk[0])
            if scored[0][1].indicator and HELPER_ASK.search(phrase):
                # "中转站建设配合单位有哪些": an indicator row names one 责任单位 and no helpers; the task doing
                # the work, holding every word of the question, names who helps
                tasks = [(s, k) for s, k in scored if not k.indicator and k.responsible and self._covers(words, k)]
                if tasks and tasks[0][0] >= 0.3 * scored[0][0]:
                    scored[:] = tasks
            if not (scored[0][1].lead or scored[0][1].responsible):
                # the best match names no unit (a prose task whose units are in an annex table): a task that names
                # units and holds every word of the question is the same work written as a row of that table
                named = [
                    (s, k)
                    for s, k in scored
                    if (k.lead or k.responsible) and s >= 0.6 * scored[0][0] and self._covers(words, k)
                ]
                if named:
                    scored[:] = named
            if scored[0][1].lead or scored[0][1].responsible:  # close seconds too: both tasks may be meant
                shown += [(s, k) for s, k in scored if s >= 0.9 * scored[0][0] and (k.lead or k.responsible)][:3]
        if not shown:  # the best task names no unit: say so, and quote it
            found = self._quote(words, want, who=True) or self._quote(words, want)
            task = max((sk for scored in per_city.values() for sk in scored), key=lambda sk: sk[0])[1]
            if found is None:  # "大件垃圾拆解中心谁负责": the task is there and names no unit; say so
                return Answer(
                    intent="policy",
                    text=TEXT_NO_UNITS.format(cite=f"{task.cite} {task.label}", title=task.title),
                    confidence=0.6,
                    source="plan",
                    extra={"units": {"lead": [], "responsible": []}, "tasks": [task.label]},
                )
            if not UNIT_NAME.search(found.extra["quote"]["sentence"]):
                q = found.extra["quote"]
                found.text = TEXT_NO_UNITS_QUOTE.format(
                    cite=f"{task.cite} {q['label']}", title=task.title, sentence=q["sentence"].strip()
                )
            return found
        lines = []
        lead: list[str] = []
        resp: list[str] = []
        for _s, k in shown:
            if k.lead or k.responsible:
                lines.append(
                    TEXT_UNITS.format(
                        cite=f"{k.cite} {k.label}",
                        title=k.title,
                        lead="、".join(k.lead) or NONE_WORD,
                        resp="、".join(k.responsible) or NONE_WORD,
                    )
                )
                lead += [u for u in k.lead if u not in lead]
                resp += [u for u in k.responsible if u not in resp]
            else:
                lines.append(TEXT_NO_UNITS.format(cite=f"{k.cite} {k.label}", title=k.title))
        said = _other_unit_sentence(shown[0][1], words)
        if said:  # "收费标准由哪个部门制定": the task's own sentence names another unit for that part
            lines.append(TEXT_IN_TASK.format(sentence=said))
        top = max(s for s, _k in shown)
        return Answer(
            intent="policy",
            text="\n".join(lines),
            confidence=0.85 if top >= 4 else 0.55,
            source="plan",
            extra={
                "units": {"lead": lead, "responsible": resp},
                "tasks": [k.label for _s, k in shown],
                "covered": self._covers(words, shown[0][1]),
            },
        )

    def _covers(self, words: set[str], task: _Task) -> bool:
        """Whether every question word is in the task's title or text (a word spread out counts: 塑料袋 / 塑料购物袋)."""
        have = task.head | task.body
        return all(w in have or w in task.text or _spread(w).search(task.text) for w in words)

    def _deadline(self, words: set[str], want: str | None) -> Answer | None:
        """The 完成时限 of the task that best fits the question, among tasks that have one."""
        best: tuple[float, _Task, str] | None = None
        top = 0.0
        for k in _posted(self.tasks, self._task_postings, words):
            if want and k.city != want:
                continue
            s = self._score(words, k.head, k.body, 0.3, set(), k.text)
            top = max(top, s)
            due = self.deadlines.get((k.city, k.label))
            if due and s >= 1.5 and self._covers(words, k) and (best is None or s > best[0]):
                best = (s, k, due)
        if best is None or best[0] < 0.6 * top:
            return None
        s, k, due = best
        return Answer(
            intent="policy",
            text=TEXT_DEADLINE.format(cite=f"{k.cite} {k.label}", title=k.title, due=due),
            confidence=0.8 if s >= 4 else 0.55,
            source="plan",
            extra={"tasks": [k.label], "deadline": due},
        )

    def _unit_tasks(self, unit: str, want: str | None) -> Answer:
        lines, found = [], []
        by_cite: dict[str, tuple[list[_Task], list[_Task]]] = {}
        key = unit_key(unit)  # "县供销社" and a plan's "县供销合作社" are one unit
        written: dict[str, str] = {}  # the unit's name as each plan writes it
        for k in self.tasks:
            if want and k.city != want:
                continue
            lead_as = next((u for u in k.lead if unit_key(u) == key), None)
            resp_as = next((u for u in k.responsible if unit_key(u) == key), None)
            if lead_as:
                by_cite.setdefault(k.cite, ([], []))[0].append(k)
            elif resp_as:
                by_cite.setdefault(k.cite, ([], []))[1].append(k)
            if lead_as or resp_as:
                written.setdefault(k.cite, lead_as or resp_as or unit)
        for cite, (lead, resp) in by_cite.items():
            lines.append(
                TEXT_UNIT_TASKS.format(
                    cite=cite,
                    unit=written.get(cite, unit),
                    n_lead=len(lead),
                    lead="；".join(f"{k.label} {k.title}" for k in lead) or "无",
                    n_resp=len(resp),
                    resp="；".join(f"{k.label} {k.title}" for k in resp) or "无",
                )
            )
            found += [{"label": k.label, "title": k.title, "role": "lead", "city": k.city} for k in lead]
            found += [{"label": k.label, "title": k.title, "role": "responsible", "city": k.city} for k in resp]
        if not lines:
            return Answer(intent="policy", text=TEXT_UNIT_NONE.format(unit=unit), confidence=0.3, source="plan")
        return Answer(
            intent="policy",
            text="\n".join(lines),
            confidence=0.9,
            source="plan",
            extra={"unit": unit, "tasks": found},
        )

    # ------------------------------------------------------------ facts

    def _facts(self, key: str, want: str | None) -> list[tuple[str | None, str, dict[str, Any]]]:
        rows = [(c, cite, f[key]) for c, cite, f in self.docs if f.get(key)]
        if want:  # another city's facts are never shown as the asked city's
            rows = [r for r in rows if r[0] == want]
        return rows

    def _cells(self, want: str | None) -> Answer | None:
        rows = self._facts("cells", want)
        if not rows:
            return None
        lines = []
        for c, cite, cells in rows:
            if cells.get("types"):
                # a type the plan writes as "无废机关" is named so ("新密的无废细胞有哪些": 无废机关、无废学校…)
                written = "".join(p.sentence for p in self.passages if p.city == c)
                types = [f"无废{t}" if f"无废{t}" in written else t for t in cells["types"]]
                lines.append(TEXT_CELLS.format(cite=cite, types="、".join(types)))
            if cells.get("places"):
                kinds = "和".join(dict.fromkeys(p["kind"] for p in cells["places"]))
                places = "、".join(p["name"] for p in cells["places"])
                lines.append(TEXT_PLACES.format(cite=cite, kinds=kinds, places=places))
        cells_json = {cite: cells for _c, cite, cells in rows}
        return Answer(
            intent="policy", text="\n".join(lines), confidence=0.9, source="plan", extra={"cells": cells_json}
        )

    def _safeguards(self, want: str | None, among: list[str]) -> Answer | None:
        """The items of the asked plan's 保障措施 part (every loaded plan's when no city is known)."""
        rows = [r for r in self.safeguards if (r[0] == want if want else (not among or r[0] in among))]
        if not rows:
            return None
        lines = [
            TEXT_SAFEGUARDS.format(
                cite=cite, label=label, title=title, n=len(items), items="；".join(n + t for n, t in items)
            )
            for _c, cite, label, title, items in rows
        ]
        return Answer(intent="policy", text="\n".join(lines), confidence=0.8, source="plan", extra={"tasks": []})

    def _heading(self, q: str, want: str | None, among: list[str]) -> Answer | None:
        """A part of the plan whose short title the question names ("基本原则"): its items, or its opening text."""
        rows = [
            h
            for h in self.headings
            if h[3] in q
            and (h[0] == want if want else (not among or h[0] in among))
            and not tokens(q.replace(h[3], " "))  # nothing asked beyond the part itself
            # "135绿色出行是啥": a figure asked with the title ("135") that the part does not hold is asked beyond it
            and all(d in h[3] + h[4] + "".join(t for _n, t in h[5]) for d in re.findall(r"\d+", q))
        ]
        if not rows:
            return None
        lines = []
        for _c, cite, label, title, text, items in rows[:3]:
            body = "；".join(n + t for n, t in items) if items else text.replace("\n", "")
            lines.append(TEXT_HEADING.format(cite=cite, label=label, title=title, body=body[:220]))
        return Answer(
            intent="policy", text="\n".join(lines), confidence=0.8, source="plan", extra={"tasks": [r[2] for r in rows]}
        )

    def _parts(self, q: str, want: str | None, among: list[str]) -> Answer | None:
        """How many items a part of the plan the question names ("重点任务") has, and their titles."""
        rows = [
            h for h in self.headings if h[3] in q and h[5] and (h[0] == want if want else (not among or h[0] in among))
        ]
        if not rows:
            return None
        lines = [
            TEXT_PARTS.format(
                cite=cite, label=label, title=title, n=len(items), items="；".join(n + t for n, t in items)
            )
            for _c, cite, label, title, _text, items in rows[:3]
        ]
        return Answer(
            intent="policy", text="\n".join(lines), confidence=0.8, source="plan", extra={"tasks": [r[2] for r in rows]}
        )

    def _section(self, q: str, want: str | None, among: list[str]) -> Answer | None:
        """A part of the plan counted, listed or asked by rank ("有几个基本原则", "都有哪些原则", "第三项是啥"): its
        items from the heading; a group of the 重点任务 asked by its topic ("减污降碳那一块有几项任务"): the tasks
        numbered under it. None when no part is named or something beyond the part is asked."""
        count, rank, listing = ITEM_COUNT.search(q), ITEM_ORDINAL.search(q), ITEM_LIST.search(q)
        if not (count or rank or listing) or _has(q, WHO_CUES):
            return None  # "推行清洁生产配合单位有哪些" asks who, not the part's items
        rows = [h for h in self.headings if (h[0] == want if want else (not among or h[0] in among))]
        named = [h for h in rows if len(h[3]) >= 4 and h[3] in q]
        said = [h[3] for h in named]
        if not named:
            for alias, title in SECTION_SYNONYMS.items():
                if alias in q:
                    named = [h for h in rows if h[3] == title]
                    said = [alias]
                    if named:
                        break
        if named:
            rest = q
            for w in said:
                rest = rest.replace(w, " ")
            rest = ITEM_COUNT.sub(" ", ITEM_ORDINAL.sub(" ", rest))
            lines: list[str] = []
            for _c, cite, label, title, text, items in named[:3]:
                if tokens(rest) - SECTION_WORDS - STOP:
                    continue  # "基本原则里的部门协作是啥", "城区分类投放点新建几个": more than the part is asked
                inside = title + text + "".join(t for _n, t in items)
                if not all(d in inside for d in re.findall(r"\d+", rest)):
                    continue  # "135绿色出行是啥": a figure the part does not hold is asked beyond it
                if rank and items:
                    k = int(rank.group(1)) if rank.group(1).isdigit() else CN_RANK[rank.group(1)]
                    if 1 <= k <= len(items):
                        n, t = items[k - 1]
                        lines.append(
                            TEXT_RANK.format(cite=cite, label=label, title=title, n=len(items), k=k, item=n + t)
                        )
                    continue
                if items:
                    body = "；".join(n + t for n, t in items)
                    lines.append(TEXT_PARTS.format(cite=cite, label=label, title=title, n=len(items), items=body))
                elif text and (listing or re.search(r"[\d一二三四五六七八九十两]+个", text)):
                    # "坚持…四个基本原则": the part's own sentence counts and names them
                    lines.append(
                        TEXT_HEADING.format(cite=cite, label=label, title=title, body=text.replace("\n", "")[:220])
                    )
            if lines:
                return Answer(
                    intent="policy", text="\n".join(lines), confidence=0.8, source="plan", extra={"tasks": []}
                )
            return None
        if not (count and re.search("任务|措施|工作|条|项", q)):
            return None
        # "危险废物这部分有几项任务": a group of a part with items, named by its topic
        topic = {w for w in tokens(ITEM_COUNT.sub(" ", q)) - SECTION_WORDS - STOP if w in self.idf}
        if not topic:
            return None
        lines = []
        seen: set[tuple[str | None, str]] = set()
        for city, cite, label, title, _text, items in rows:
            if not items:
                continue
            # the part's items ("（一）落实减污降碳协同化措施" of 重点任务) and the part itself when it is such a group
            for prefix, t in [(label + n, t) for n, t in items] + [(label, title)]:
                written = unify(t)
                if (city, prefix) in seen or not all(w in written or _spread(w).search(written) for w in topic):
                    continue
                seen.add((city, prefix))
                ks = [
                    k
                    for k in self.tasks
                    if k.city == city and not k.indicator and k.label.startswith(prefix) and k.label != prefix
                ]
                if ks:
                    names = "；".join(f"{k.label[len(prefix) :]}.{k.title}" for k in ks)
                    lines.append(TEXT_GROUP_TASKS.format(cite=cite, label=prefix, title=t, n=len(ks), items=names))
        if not lines or len(lines) > 3:
            return None
        return Answer(intent="policy", text="\n".join(lines), confidence=0.75, source="plan", extra={"tasks": []})

    def _unsaid(self, q: str, text: str, quote: dict[str, Any]) -> list[str]:
        """The question's topic words (plan words of two or more characters) that neither the quoted sentence, its
        title nor the titles of the parts holding it say, not even in part; none for an "A还是B" question."""
        if "还是" in q or KIND_ASK.search(q):
            return []  # "是约束性指标还是预期性", "是约束性指标吗": the sentence says which it is
        label = quote.get("label") or ""
        # the parts holding the sentence, and its sibling items' titles ("二（六）二是…危险废物…" for "二（六）一是")
        parent = re.sub(r"([一二三四五六七八九十]+是|\d+|（\d+）|[①-⑳])$", "", label)
        parents = {
            p.title
            for p in self.passages
            if p.city == quote.get("city")
            and ((label.startswith(p.label) and p.label != label) or (parent != label and p.label.startswith(parent)))
        }
        said = unify(text + "".join(parents))
        words = self._known_words(tokens(q), _jieba().FREQ) - STOP - MEASURE_WORDS - DATE_ASKS - SECTION_WORDS
        out = []
        for w in sorted(words - PLACE_KINDS - {"地方"}):
            if len(w) < 2 or w not in self.idf or any(w in x for x in words if x != w):
                continue
            if w in said or _spread(w).search(said) or any(w[i : i + 2] in said for i in range(len(w) - 1)):
                continue
            out.append(w)
        for ask, holds, what in ASKED_FACTS:  # "征求意见截止到什么时候": the drafting sentence names no deadline
            if ask.search(q) and not holds.search(unify(quote.get("sentence") or text)) and what not in out:
                out.append(what)
        # "建筑垃圾消纳场在哪": a facility, capacity or fee asked must be in the sentence ("无序消纳" is no site)
        out += [m.group(0) for m in FACILITY_ASK.finditer(q) if m.group(0) not in said and m.group(0) not in out]
        return out

    def _base_year(self, q: str, want: str | None) -> Answer | None:
        """ "能耗下降以哪年为基数": the year of the sentence's "较2020年", "在2022年…基础上"; when the plan's sentence
        on the topic names no base year, say so and quote it."""
        rest = re.sub("是?哪一?年|哪个年份", " ", BASE_ASK.sub(" ", q))  # the year asked is no topic word
        words = self._known_words(tokens(rest), _jieba().FREQ) - BASE_WORDS - DATE_ASKS
        found = self._quote(words, want, phrase=q, holding=BASE_SAID)
        if found is not None:
            m = BASE_SAID.search(found.extra["quote"]["sentence"])
            assert m is not None
            year = next(g for g in m.groups() if g)
            found.text = TEXT_BASE_YEAR.format(year=year) + "\n" + found.text
            return found
        found = self._quote(words, want, phrase=q)
        if found is not None:
            found.text = TEXT_NO_BASE_YEAR + "\n" + found.text
            found.confidence = min(found.confidence, 0.55)
        return found

    def _cited(self, q: str, want: str | None) -> Answer | None:
        """A document the plan cites ("依据的郑州文件文号", "国家那个工作方案啥时候印发的"): the plan sentence naming
        it, with its 文号, or its date when a date is asked."""
        words = self._known_words(tokens(q), _jieba().FREQ) - CITE_WORDS - DATE_ASKS - STOP
        if WHEN_ASK.search(q):
            # "国家那个工作方案啥时候印发的": a dated sentence naming a document (never the plan's own 印发 line)
            words = (words - {"国家", "中央", "全国"}) | ({"印发", "发布", "出台"} & tokens(q))
            return self._quote(words, want, phrase=q, holding=CITED_DATED, dated=True) if words else None
        # 国家/中央 say whose document it is; the plan names the document itself ("生态环境部等18个部门…")
        words = (words - {"国家", "中央", "全国"}) or words
        if not words:
            # "依据的槐州文件": a place no plan word holds; the first sentence of the plan naming it with a 文号
            raw = [w for w in tokens(q) - CITE_WORDS - DATE_ASKS - STOP if len(w) >= 2]
            for p in self.passages:
                if (
                    raw
                    and (not want or p.city == want)
                    and DOC_NO.search(p.sentence)
                    and all(w in p.sentence for w in raw)
                ):
                    return _quote_answer(p, 0.6)
            return None
        return self._quote(words, want, phrase=q, holding=DOC_NO) or self._quote(
            words, want, phrase=q, holding=DOC_SAID
        )

    def _period(self, want: str | None) -> Answer | None:
        """ "规划期是哪几年": the period the asked plan's title names, and the year its targets are set for."""
        lines = []
        for doc in self.documents:
            if want and doc.city != want:
                continue
            m = PERIOD_SAID.search(doc.title)
            if not m:
                continue
            years = Counter(t.data["year"] for t in self.targets if t.city == doc.city and t.data.get("year"))
            period = m.group(0).strip("“”")
            if years:
                year = years.most_common(1)[0][0]
                lines.append(TEXT_PERIOD.format(cite=cite_name(doc), title=doc.title, period=period, year=year))
            else:
                lines.append(TEXT_PERIOD_ONLY.format(cite=cite_name(doc), title=doc.title, period=period))
        if not lines:
            return None
        return Answer(intent="policy", text="\n".join(lines[:3]), confidence=0.7, source="plan", extra={"tasks": []})

    def _top_parts(self, want: str | None) -> Answer | None:
        """The asked plan's top-level parts (一、…五、) when it has three or more: "方案分几部分"."""
        if want is None:
            return None
        rows = [h for h in self.headings if h[0] == want and re.fullmatch("[一二三四五六七八九十]+", h[2])]
        if len(rows) < 3:
            return None
        items = "；".join(f"{h[2]}、{h[3]}" for h in rows)
        return Answer(
            intent="policy",
            text=TEXT_TOP_PARTS.format(cite=rows[0][1], n=len(rows), items=items),
            confidence=0.7,
            source="plan",
            extra={"tasks": []},
        )

    def _leaders(self, want: str | None) -> Answer | None:
        rows = self._facts("leadership", want)
        if not rows:
            return None
        lines = []
        for _c, cite, lead in rows:
            heads = [x["name"] + x["post"] for x in lead["leaders"] if x["role"] == "组长"]
            deputies = [x["name"] for x in lead["leaders"] if x["role"] == "副组长"]
            lines.append(
                TEXT_LEADERS.format(
                    cite=cite,
                    group=(lead.get("group") or "领导小组") + "，",
                    leader="、".join(heads) or NONE_WORD,
                    deputies="、".join(deputies) or NONE_WORD,
                    n_deputies=len(deputies),
                    n=len(lead.get("members", [])),
                )
            )
        return Answer(intent="policy", text="\n".join(lines), confidence=0.85, source="plan")

    def _indicator_system(self, want: str | None) -> Answer | None:
        rows = self._facts("indicator_system", want)
        if not rows:
            return None
        lines = [
            TEXT_INDICATORS.format(
                cite=cite,
                total=s["total"],
                name=s["name"],
                parts="，".join(f"{p['name']}{p['count']}个" for p in s["parts"]),
            )
            for _c, cite, s in rows
        ]
        return Answer(intent="policy", text="\n".join(lines), confidence=0.85, source="plan")


def _postings(keyword_sets: Iterable[set[str]]) -> dict[str, list[int]]:
    """keyword -> the positions of the sets holding it, in order."""
    postings: dict[str, list[int]] = {}
    for i, words in enumerate(keyword_sets):
        for w in words:
            postings.setdefault(w, []).append(i)
    return postings


def _posted(rows: list[T], postings: dict[str, list[int]], words: set[str]) -> list[T]:
    """The rows holding any of the words, in their order."""
    return [rows[i] for i in sorted({i for w in words for i in postings.get(w, ())})]


def _quotes_elsewhere(p: _Passage) -> bool:
    """Whether the sentence's first figure follows another place's name ("开封市…可以达到92%")."""
    m = re.search(r"\d", p.sentence)
    place = foreign_place(p.sentence[: m.start()]) if m else None
    return bool(place and p.city and bare_name(place) != bare_name(p.city))


def _other_unit_sentence(task: _Task, words: set[str]) -> str | None:
    """A sentence of the task naming a unit other than its own, about question words its title lacks."""
    rest = words - task.head
    if not rest:
        return None
    for sentence in re.split("(?<=[。；])", task.text):
        names = UNIT_NAME.findall(sentence)
        if names and all(n not in task.lead + task.responsible for n in names) and rest & tokens(sentence):
            return sentence.strip().rstrip("；")
    return None


def _unloaded_place(q: str) -> str | None:
    """A place named in the question (中牟, 登封县, 郑州市区 …); the caller has taken the loaded cities out."""
    m = PLACES.search(q)
    if m:
        return m.group(0)
    named = places_in(q)  # a two-character county, not "网点县" before a 县 unit's name
    if named:
        return named[0]
    other = other_places_in(q)  # 义乌市, 栖霞区: outside the reviewed list, by the general pattern
    return other[0] if other else None


@functools.lru_cache(maxsize=4096)
def _spread(word: str) -> re.Pattern[str]:
    """The word with up to two other characters between its characters: 塑料袋 finds 塑料购物袋."""
    if len(word) < 2 or not re.fullmatch("[\u4e00-\u9fff]+", word):
        return re.compile("(?!)")
    return re.compile("[\u4e00-\u9fff]{0,2}".join(word))


def _shown(p: _Passage) -> str:
    """What a quote shows: the whole sentence when it is short enough to read in a chat, else the matched clause."""
    return (p.full if p.full and len(p.full) <= 160 else p.sentence).strip()


def _quote_answer(p: _Passage, confidence: float, cite: str | None = None) -> Answer:
    """A plan answer quoting one passage, cited by its section (or by `cite`)."""
    shown = _shown(p)
    return Answer(
        intent="policy",
        text=TEXT_QUOTE.format(cite=cite or f"{p.cite} {p.label}", title=p.title, sentence=shown),
        confidence=confidence,
        source="plan",
        extra={"tasks": [p.label], "quote": {"city": p.city, "label": p.label, "sentence": shown}},
    )


def _has(text: str, cues: tuple[str, ...]) -> bool:
    return _any_of(cues).search(text) is not None


@functools.cache
def _any_of(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One search for any of the words (none: never), compiled once per word list."""
    return re.compile("|".join(map(re.escape, cues))) if cues else re.compile("(?!)")
