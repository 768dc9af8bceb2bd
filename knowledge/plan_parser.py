"""Pure parsing of a 无废城市 plan (方案) in plain text: metadata, section tree, tasks with units, numeric targets.

Nothing here touches the database. The parser knows numbering styles (一、/（一）/1./（1）/①/一是/第一章), unit labels
(牵头单位/责任单位/配合单位 …, on their own line or inline in parentheses) and target phrasing; it does not know any one
city's layout. Whatever it cannot place is returned in `ParsedPlan.unparsed` so staff can check it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from knowledge.places import PLACES, bare_name

CN_DIGITS = "一二三四五六七八九十"
TERMINAL = "。！？；：!?;:"
CLOSERS = "”’」』"
OPEN_BRACKETS = {"（": "）", "“": "”", "《": "》", "〔": "〕", "【": "】", "「": "」"}

# (style, regex); the style decides nesting, the first group is the number as written.
NUMBERING: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第([{CN_DIGITS}百\d]+)章")),
    ("part", re.compile(rf"^第([{CN_DIGITS}百\d]+)部分")),  # cited as written: "第三部分（3）", never "第三章"
    ("jie", re.compile(rf"^第([{CN_DIGITS}百\d]+)节")),
    ("tiao", re.compile(rf"^第([{CN_DIGITS}百零\d]+)条")),
    # "问三：在农业废弃物方面有哪些重点任务？" then "答：…": a 政策解读 written as questions and answers
    ("wen", re.compile(rf"^问([{CN_DIGITS}]{{1,3}}|\d{{1,2}})[：、.]")),
    ("cn", re.compile(rf"^([{CN_DIGITS}]{{1,3}})[、.]")),
    ("cn_paren", re.compile(rf"^（([{CN_DIGITS}]{{1,3}})）")),
    ("dec", re.compile(r"^(\d{1,2}\.\d{1,2})(?![\d%])\.?")),
    ("ar", re.compile(r"^(\d{1,2})[.、](?!\d)")),
    ("ar_paren", re.compile(r"^（(\d{1,2})）")),
    ("circled", re.compile(r"^([①-⑳])")),
    ("cn_shi", re.compile(rf"^([{CN_DIGITS}]{{1,3}})是")),
    ("renwu", re.compile(rf"^任务([{CN_DIGITS}\d]{{1,3}})[：、.]?(?=[\u4e00-\u9fff“])")),  # "任务3：建设…"
    # "★行动一：生活垃圾分类提质行动", "专项行动2：…", "工程三、…": named action items, with or without a bullet
    ("xingdong", re.compile(rf"^[★☆◆●■▲]?(?:专项)?(?:行动|工程)([{CN_DIGITS}\d]{{1,3}})[：、.](?=[\u4e00-\u9fff“])")),
]
ANNEX = re.compile(r"^(?:附件|附录|附表)(\d*)[：]?$")  # an annex heading line: "附件2", "附录"
# "牵头单位：", and the short labels of task lists: "主责：市工信局；协办：市生态环境局"
UNIT_LABEL = re.compile(
    r"(牵头|主责|主办|主要责任|责任|配合|参与|协办|协同|实施)(单位|部门|(?<=牵头|主责|主办|协办|配合))："
)
LEAD_MARK = re.compile(r"[（(](牵头|牵头单位|主责|主责单位)[）)]$")  # "县工信局（牵头）" in a 责任单位 list
UNIT_ENDS = "局委会司室部府社院所队办厅处站心团行班"
LEAD_KINDS = ("牵头", "主责", "主办", "主要责任")
DATE_LINE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日")
HOST_LINE = re.compile(r"^主办(?:单位)?[：:]\s*([\u4e00-\u9fff（）]{2,24})$")
DOC_NO = re.compile(r"^[\u4e00-\u9fff]{1,10}〔\d{4}〕\d+号$")
TASK_WORDS = re.compile(r"任务|行动|工程|举措|重点工作|主要工作|工作清单")

UNITS = sorted(
    [
        "个百分点", "吨/万元", "万吨/年", "吨/年", "吨/日", "吨/天", "万吨", "千吨", "吨", "万个", "个", "万家", "家",
        "座", "处", "所", "条", "辆", "台", "套", "项", "万元", "亿元", "元", "公斤", "千克", "万立方米", "立方米",
        "万平方米", "平方米", "万亩", "亩", "公顷", "%", "‰", "万人", "人", "名", "人次", "次", "场", "批", "万户", "户",
        "公里", "千米", "倍", "克",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
NUM_UNIT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(" + "|".join(re.escape(u) for u in UNITS) + r")")
SUFFIXES = ("及以上", "以上", "以下", "以内", "左右")
VERBS = sorted(
    [
        "持续稳定在", "持续保持在", "持续保持", "稳定保持在", "稳定在", "保持在", "保持", "达到", "达", "提升至",
        "提升到", "提高至", "提高到", "增长至", "增加至", "增加到", "降低至", "降低到", "下降至", "下降到", "减少至",
        "控制在", "不低于", "不少于", "不高于", "不超过", "不大于", "低于", "高于", "超过", "下降", "降低", "减少",
        "削减", "增长", "提高", "提升", "新增", "新建", "建成", "完成", "建设", "创建", "培育", "累计", "设置", "配备",
        "打造", "实现", "为",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
COUNT_VERBS = ("新增", "新建", "建成", "完成", "建设", "创建", "培育", "累计", "设置", "配备", "打造")
YEARLY = re.compile("^年(?:利用|处理|收集|消纳|处置)[\u4e00-\u9fff]{1,10}$")
METRIC_END = re.compile(r"(率|度|量|强度|比例|比重|能耗|占比|指数|系数|总量|面积|数量|个数|规模|能力)$")
NO_VALUE = re.compile(r"“?(零增长或正增长|零增长|负增长|正增长|零填埋|全覆盖)”?")
NO_VALUE_VALUES = {"全覆盖": (100.0, "%")}
LEADING_NOISE = re.compile(
    r"^(?:[、，；：·•●◆■★▪]|确保|力争|实现|全面|使|其中|并且|并|同时|要|基本|全市|全县|全区|全省|进一步|逐步|努力|推动|促进|推进)+"
)
YEAR_PREFIX = re.compile(r"^(?:到|至|截至|截止|于)?\d{4}年(?:底|末)?(?:前|以前)?")
YEAR = re.compile(r"(\d{4})年(底|末|前|以前)?")
BASELINE = re.compile(r"(较|比|相比)(\d{4})年(?:底|末)?$")
QUOTED = re.compile(r"^“[^”]{1,12}”$")  # a named kind: 其中“无废学校”20所
FIVE_YEAR = {"十四五": 2025, "十五五": 2030, "十三五": 2020}
BASELINE_WORD = "现状"  # an indicator table's baseline figure is stored as "<indicator>现状"
CN_COUNT_VALUES = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
CN_COUNT = re.compile(
    "(新建|建设|建成|建|创建|新增|完成)([一两二三四五六七八九十])(座|个|家|所|处)(?=[\u4e00-\u9fff“])"
)
BASE_BEFORE = re.compile(r"在(20\d\d年)?(\d+(?:\.\d+)?)(家|个|座|所|处|万吨|吨)([\u4e00-\u9fff]{2,10}?)(?=基础上)")
METRIC_COLON = re.compile(r"(?<=[率度量例重数积模力])：\s*(≥|>=|≤|<=|>|<)?\s*(?=\d)")
# "生活垃圾回收利用率：2025年达到37%，2026年达到40%": an indicator list naming the metric once for several years
METRIC_YEARS = re.compile(r"^([^：，。；]{2,30}?[率度量例重数积模力])：((?:到|至)?\d{4}年.*)$")
METRIC_VERB_AFTER = re.compile(r"(?<=[率度量例重数积模力])：(?=(?:持续|稳定|保持|达到|不低于|不少于|不超过|控制在))")
COLON_VERBS = {"≥": "不低于", ">=": "不低于", "≤": "不超过", "<=": "不超过", ">": "超过", "<": "低于"}


@dataclass
class ParsedTarget:
    """One numeric target as written: 「工业固体废物综合利用率达到95%以上」."""

    indicator: str
    comparator: str  # the wording around the value, "…" marks where the value goes when a suffix follows it
    value: float
    unit: str
    year: int | None
    sentence: str
    section: int | None = None  # index into ParsedPlan.sections
    task: int | None = None  # index into ParsedPlan.tasks
    place: str | None = (
        None  # a place named before the figure in its sentence ("开封市…达到92%"): maybe not this plan's
    )


@dataclass
class ParsedSection:
    """A numbered heading or item, with its body text."""

    index: int
    parent: int | None
    style: str
    number: str  # as written: "五", "1", "①"
    label: str  # the full path: "四（五）1"
    level: int
    title: str
    text: str = ""
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    has_units: bool = False


@dataclass
class ParsedTask:
    """A task: a numbered leaf item of a task part, or any item that names responsible units."""

    section: int
    label: str
    title: str
    text: str
    lead: list[str]
    responsible: list[str]


@dataclass
class Fragment:
    """Something the parser saw but could not place, with the reason."""

    reason: str
    text: str


@dataclass
class ParsedPlan:
    """Everything parsed from one document."""

    title: str
    doc_no: str | None
    issuer: str | None
    date: dt.date | None
    city: str | None
    preamble: str
    sections: list[ParsedSection]
    tasks: list[ParsedTask]
    targets: list[ParsedTarget]
    facts: dict[str, Any]
    unparsed: list[Fragment]


# ---------------------------------------------------------------- text clean-up


def canonical(text: str) -> str:
    """Unify widths: ASCII digits/letters/%, Chinese full-width punctuation (except inside numbers)."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            ch = chr(code - 0xFEE0)
        out.append({"％": "%", "．": ".", "／": "/", "\u3000": " ", "\xa0": " ", "\t": " "}.get(ch, ch))
    s = "".join(out).replace("\r\n", "\n").replace("\r", "\n")
    s = re.sub(r"(?<!\d),|,(?!\d)", "，", s)
    s = re.sub(r"(?<!\d):|:(?!\d)", "：", s)
    s = s.replace(";", "；").replace("(", "（").replace(")", "）").replace("?", "？").replace("!", "！")
    s = re.sub(r"[\[［【]\s*(\d{4})\s*[\]］】]", r"〔\1〕", s)
    s = re.sub(r"(?<=[\u4e00-\u9fff”）])\.(?!\d)", "。", s)
    s = re.sub(r'"([^"\n]*)"', r"“\1”", s)
    # "【牵头单位】市城管局", "（牵头：市农委；配合：市商务局）": written the usual way
    s = re.sub(r"[【\[]\s*(牵头|主责|责任|配合|协办|参与)(单位|部门)\s*[】\]]\s*：?", r"\1\2：", s)
    # "【牵头：区商务局；配合：区供销社】" and "【区城市管理局】" after an item: its units, as a parenthesis
    s = re.sub(r"【((?:牵头|主责|主办|责任|配合|协办|参与)(?:单位|部门)?：[^【】\n]*)】", r"（\1）", s)
    s = re.sub(
        r"【([^【】\n]{2,60})】(?=[。；]?[ ]*$)",
        lambda m: f"（责任单位：{m.group(1)}）" if _looks_like_units(m.group(1)) else m.group(0),
        s,
        flags=re.M,
    )
    s = re.sub(r"(?<=[（；，])(牵头|配合|协办|责任)：", r"\1单位：", s)
    return s


# A plan pasted as Markdown: "## 一、总体要求", "**榆政办〔2025〕9号**", "- 牵头单位：…", "> 说明", "---"
MD_SIGN = re.compile(r"^ {0,3}#{1,6}[ \t]|\*\*[^*\n]+\*\*", re.M)
MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
MD_QUOTE = re.compile(r"^ {0,3}>[ \t]?")
MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+(?=\S)")
MD_HRULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
MD_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
# a bullet that holds a label of its task ("- 牵头单位：…", "- 完成时限：…") is that label's line, not a list item
LABEL_BULLET = re.compile(r"[\u4e00-\u9fff]{2,6}(?:单位|部门|时限|时间)[：:]|[（(]?(?:牵头|主责|配合|协办)[：:]")


def unmarkdown(text: str) -> str:
    """Markdown markup taken off a plan pasted as Markdown: headings, emphasis, quotes, rules and bullets ("·").

    Plain text is returned as it is: only a text with a heading mark or bold is read as Markdown.
    """
    if not MD_SIGN.search(text):
        return text
    out = []
    for line in text.split("\n"):
        if MD_HRULE.match(line):
            continue
        line = MD_QUOTE.sub("", line)
        heading = MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = MD_LINK.sub(r"\1", MD_EMPHASIS.sub(r"\2", line))
        bullet = MD_BULLET.match(line)
        if bullet:
            rest = line[bullet.end() :]
            line = rest if LABEL_BULLET.match(rest) else "·" + rest
        out.append(line)
    return "\n".join(out)


def collapse(s: str) -> str:
    """Drop whitespace except between two ASCII letters or digits ("2025 年" -> "2025年", "95% 以上" -> "95%以上")."""
    s = re.sub(r"(?<=[A-Za-z0-9])\s+(?=[A-Za-z])|(?<=[A-Za-z])\s+(?=[0-9])", "\x00", s.strip())
    return re.sub(r"\s+", "", s).replace("\x00", " ")


def _numbering(text: str) -> tuple[str, str, str] | None:
    """(style, number, rest) when the text starts with a numbering marker."""
    for style, rx in NUMBERING:
        m = rx.match(text)
        if m:
            rest = text[m.end() :]
            if style == "cn_shi" and not rest:
                return None
            return style, m.group(1), rest
    return None


def _unbalanced(s: str) -> bool:
    return any(s.count(o) > s.count(c) for o, c in OPEN_BRACKETS.items())


BULLET = "·•●◆■★▪"


def _structural(n: str) -> bool:
    return n[:1] in BULLET or bool(
        _numbering(n) or UNIT_LABEL.match(n) or ANNEX.match(n) or DATE_LINE.match(n) or n.startswith("附件：")
    )


def _continues(prev: str, nxt: str) -> bool:
    """Whether `nxt` continues the paragraph of `prev` (a page break or a hard wrap split it)."""
    p, n = collapse(prev), collapse(nxt)
    if not p or not n or _structural(n):
        return False
    if DOC_NO.match(n) or DOC_NO.match(p) or re.search("(的通知|的意见|的函|的批复)$", p):
        return False  # a notice's long title line and its 文号 stand alone, however long the title
    if p.rstrip(CLOSERS + "）")[-1:] in TERMINAL and not _unbalanced(p):
        return False
    if _unbalanced(p) or (n[0] == "（" and not _numbering(n)):
        return True
    if _numbering(p) and not re.search("[。，；]", p):
        return False  # a heading
    if re.match(r"^[\u4e00-\u9fff ]{1,6}：", prev.strip()) and len(p) < 40:
        return False  # a "组长：…" style label line
    if len(p) < 20:
        return False
    return bool(re.search("[，、；。]", p)) or len(p) >= 40


# A page number a plan exported from a PDF keeps between its lines: "— 3 —", "- 3 -", "第3页", "第3页共8页", "3/8"
PAGE_NUMBER = re.compile(
    r"^(?:[—\-–－~]+\s*\d{1,3}\s*[—\-–－~]+|第\s*\d{1,3}\s*页(?:\s*[，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})$"
)


def _without_pages(lines: list[str]) -> list[str]:
    """The lines without page numbers and the running header repeated after each of them (a PDF's page furniture)."""
    bare = [ln.strip() for ln in lines]
    if not any(PAGE_NUMBER.match(ln) for ln in bare):
        return lines
    after_page = [next((x for x in bare[i + 1 :] if x), "") for i, ln in enumerate(bare) if PAGE_NUMBER.match(ln)]
    # a line that opens two or more pages is the running header ("XX县人民政府办公室文件"); its first use, before
    # any page number, is the notice's own header and stays
    headers = {h for h in after_page if h and after_page.count(h) >= 2 and not _numbering(h)}
    out: list[str] = []
    seen_page = False
    for raw, ln in zip(lines, bare, strict=True):
        if PAGE_NUMBER.match(ln):
            seen_page = True
            continue
        if seen_page and ln in headers:
            continue
        out.append(raw)
    return out


def paragraphs(text: str) -> list[tuple[str, str]]:
    """Join lines split by page breaks or wrapping; (raw with spaces, collapsed) per paragraph."""
    lines = [ln.strip() for ln in canonical(text).split("\n")]
    paras: list[str] = []
    for line in lines:
        if not line:
            continue
        if paras and _continues(paras[-1], line):
            paras[-1] += line
        else:
            paras.append(line)
    return [(p, collapse(p)) for p in paras]


# ---------------------------------------------------------------- units


def split_units(s: str, *, conj: bool = True) -> list[str]:
    """Split a unit list on 、，；(及) outside brackets and drop "按各自职责落实" style tails."""
    s = re.sub(r"(按照?各自职责(分工)?(负责|落实)?|按职责分工(负责|落实)?|分别负责|负责落实|共同负责)$", "", s)
    parts, depth, cur = [], 0, ""
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in "（〔《“【":
            depth += 1
        elif ch in "）〕》”】":
            depth -= 1
        if depth == 0 and (ch in "、，；,;" or (conj and _conjunction(s, i))):
            parts.append(cur)
            cur = ""
            i += 2 if s.startswith("以及", i) and conj else 1
            continue
        cur += ch
        i += 1
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip(" 。：")
        p = re.sub(r"(等单位|等部门|等)$", "", p)
        if p and p not in out:
            out.append(p)
    return out


def _conjunction(s: str, i: int) -> bool:
    """A 及/以及 joining two unit names ("市邮政公司及各乡镇"), not the 及 of 普及率."""
    if s.startswith("以及", i):
        return True
    return s[i] == "及" and i > 0 and (s[i - 1] in UNIT_ENDS or s[i + 1 : i + 2] == "各")


def parse_units(s: str) -> tuple[list[str], list[str]]:
    """Lead and responsible units from text like "牵头单位：A、B，责任单位：C"."""
    lead: list[str] = []
    resp: list[str] = []
    marks = list(UNIT_LABEL.finditer(s))
    kinds = {m.group(1) for m in marks}
    # "责任单位：X；配合单位：Y" with no 牵头 label: X is the one responsible and leads, Y helps
    leading = ("责任",) if not kinds & set(LEAD_KINDS) and kinds & {"配合", "参与", "协办", "协同"} else ()
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(s)
        content = s[m.end() : end].strip("，；。 ")
        roles = _role_units(content) if m.group(1) in ("责任", "实施") else None
        if roles:  # "责任单位：县城管局牵头，各街道办事处、县住建局配合"
            more_lead, more_resp = parse_units(roles)
            lead.extend(u for u in more_lead if u not in lead)
            resp.extend(u for u in more_resp if u not in resp)
            continue
        names = split_units(content)
        target = lead if m.group(1) in LEAD_KINDS or m.group(1) in leading else resp
        for n in names:
            bare = LEAD_MARK.sub("", n)
            into = lead if bare != n else target  # "责任单位：县工信局（牵头）、县发改委": the marked one leads
            if bare and bare not in into:
                into.append(bare)
    return lead, resp


ROLE_VERBS = {
    "牵头": "牵头",
    "负责": "责任",
    "配合": "配合",
    "协办": "协办",
    "协助": "配合",
    "参与": "参与",
    "落实": "责任",
    "具体实施": "责任",
}
ROLE_PART = re.compile(
    r"^(.{2,80}?)(?:按照?(?:各自)?职责(?:分工)?|共同|分别)?(" + "|".join(ROLE_VERBS) + r")(?:落实)?$"
)  # "县商务局、县市场监管局按职责分工负责", "各区人民政府负责落实"
ROLE_LEAD_IN = re.compile(r"^(?:此项|该项|本项|这项)?(?:工作|任务)?由")  # "此项工作由市住建局牵头，…"
PROSE_ROLES = re.compile(
    r"(?:^|[。；，])由((?:[市县区]|各)[^，。；由]{1,30}?)(牵头|负责)(，[^。；]{2,60}?(?:配合|协助|协办|参与))?[。；]?"
)


def _role_units(content: str) -> str | None:
    """ "县工信局牵头，县发改委、县生态环境局配合" as "牵头单位：…；配合单位：…", or None when it is not such a list."""
    parts = [p for p in re.split("[，；]", content.strip("。 ")) if p]
    labelled = []
    for part in parts:
        m = ROLE_PART.match(part)
        if not m or not _looks_like_units(m.group(1)):
            return None
        names = m.group(1)
        if "由" in names and _looks_like_units(names.rsplit("由", 1)[1]):
            names = names.rsplit("由", 1)[1]  # "无废学校由县教育局牵头": the unit after 由, not the thing before it
        labelled.append(f"{ROLE_VERBS[m.group(2)]}单位：{names}")
    roles = [x.split("单位：")[0] for x in labelled]
    if "牵头" not in roles and "责任" in roles and {"配合", "协办", "参与"} & set(roles):
        # "由县住建局负责，县城管局配合": the one that is responsible while others help leads
        i = roles.index("责任")
        labelled[i] = labelled[i].replace("责任单位：", "牵头单位：", 1)
    return "；".join(labelled) or None


def _looks_like_units(names: str) -> bool:
    """Every name of a "、" list ends like a unit (局, 委, 政府 …)."""
    items = split_units(names)
    return bool(items) and all(
        i.rstrip("）)")[-1:] in UNIT_ENDS or i.endswith(("政府", "中心", "公司", "单位", "部门", "镇", "乡", "街道"))
        for i in items  # "石桥镇、梅溪镇、白沙乡人民政府配合": towns named for their governments
    )


def _inline_units(text: str) -> tuple[str, str | None]:
    """Cut a "（牵头单位：…，责任单位：…）" parenthesis out of a paragraph; (text without it, its content).

    Also "（县工信局牵头，县发改委配合）" at the end of a paragraph, and prose like "由县卫健委负责，县生态环境局协助。".
    """
    m0 = re.search(r"（([^（）]*(?:牵头|负责|配合|协办|协助|参与|落实|具体实施))）[。；]?$", text)
    if m0 and not UNIT_LABEL.match(m0.group(1)):  # "（责任单位：X牵头，Y配合）" is read by its label below
        units = _role_units(m0.group(1))
        if units:
            return text[: m0.start()], units
    sentences = re.split(r"(?<=。)", text)
    if len(sentences) > 1 or ROLE_LEAD_IN.match(text):
        # a closing sentence made only of roles: "由市城管局牵头，市商务局配合，各区人民政府负责落实。",
        # "市工信局牵头，市发改委、市生态环境局配合。" (no 由), "此项工作由市住建局牵头，…配合。"
        last = next((i for i in range(len(sentences) - 1, -1, -1) if sentences[i].strip()), None)
        if last is not None:
            units = _role_units(ROLE_LEAD_IN.sub("", sentences[last].strip()))
            if units:
                return "".join(sentences[:last]), units
    m1 = PROSE_ROLES.search(text)
    if m1 and _looks_like_units(m1.group(1)):
        units = _role_units(m1.group(1) + m1.group(2) + (m1.group(3) or ""))
        if units:
            keep = 1 if text[m1.start()] in "。；" else 0  # "…3个，由X牵头，Y配合。": the comma goes with the roles
            rest = text[m1.end() :]
            return text[: m1.start() + keep] + ("。" if not keep and rest else "") + rest, units
    last_clause = re.search(r"，([^，。；]{3,40}(?:负责|牵头)(?:落实)?)。?$", text)
    if last_clause and "由" not in last_clause.group(1):
        # "…新建秸秆收储点25个，县农业农村局负责。": the paragraph's last clause names who does it
        units = _role_units(last_clause.group(1))
        if units:
            return text[: last_clause.start()] + "。", units
    for m in re.finditer("（", text):
        if not UNIT_LABEL.match(text, m.end()):
            continue
        depth = 0
        for j in range(m.start(), len(text)):
            depth += text[j] == "（"
            depth -= text[j] == "）"
            if depth == 0:
                return text[: m.start()] + text[j + 1 :], text[m.end() : j]
        return text[: m.start()], text[m.end() :]
    m2 = UNIT_LABEL.search(text)
    if m2 and m2.start() > 0 and text[m2.start() - 1] in "。；":
        return text[: m2.start()], text[m2.start() :]
    return text, None


# ---------------------------------------------------------------- targets


def _clean_indicator(s: str) -> str:
    s = YEAR_PREFIX.sub("", s.strip("，、；：。 "))
    prev = None
    while prev != s:
        prev = s
        s = LEADING_NOISE.sub("", s)
        s = YEAR_PREFIX.sub("", s)
    if "的" in s:
        tail = s.rsplit("的", 1)[1]
        if len(tail) >= 4:
            s = tail
    return s.strip("，、；：。 ")


def _split_shared(ind: str) -> list[str]:
    """Split "A、B、C均" into [A, B, C], carrying a quoted prefix such as “无废城市” over to the later items."""
    m = re.search("(均|都|分别|全部)$", ind)
    if not m:
        return [ind]
    items = [x for x in split_units(ind[: m.start()], conj=False) if x]
    prefix = re.match(r"^“[^”]+”", items[0]) if items else None
    if prefix:
        items = [items[0]] + [x if x.startswith("“") else prefix.group(0) + x for x in items[1:]]
    return items


def _year_marks(text: str) -> list[tuple[int, int]]:
    """(position, year) of target years ("到2025年", "2025年底前", "“十四五”期间") in a paragraph."""
    marks = []
    for m in YEAR.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        after = text[m.end() : m.end() + 2]
        if re.search(r"(较|比|与|在|从|自|以|于)$", before) and not m.group(2):
            continue
        if re.match(r"\d|以来|起|开始|的|基础|水平|度", after):
            continue
        marks.append((m.start(), int(m.group(1))))
    for name, year in FIVE_YEAR.items():
        for m in re.finditer(rf"“?{name}”?(?:期间|末|时期末)", text):
            marks.append((m.start(), year))
    return sorted(marks)


def _year_at(marks: list[tuple[int, int]], pos: int) -> int | None:
    year = None
    for p, y in marks:
        if p <= pos:
            year = y
    return year


def _split_verb(left: str) -> tuple[str, str]:
    """(indicator part, verb) when `left` ends with a target verb, else (left, "")."""
    for v in VERBS:
        if left.endswith(v):
            return left[: -len(v)], v
    return left, ""


def extract_targets(paragraph: str) -> tuple[list[ParsedTarget], list[str]]:
    """Numeric targets in one paragraph, and the sentences with a percentage that yielded none."""
    found: list[ParsedTarget] = []
    missed: list[str] = []
    # "农作物秸秆综合利用率：≥94%" in an indicator list: the colon stands for the verb
    my = METRIC_YEARS.match(paragraph)
    if my:  # each year's figure gets the metric's name: "到2025年，生活垃圾回收利用率达到37%，到2026年，…达到40%"
        name = my.group(1)
        paragraph = re.sub(
            r"(?:^|(?<=[，；、]))(?:到|至)?(\d{4})年(底|末)?",
            lambda m: f"到{m.group(1)}年{m.group(2) or ''}，{name}",
            my.group(2),
        )
    paragraph = METRIC_VERB_AFTER.sub("", paragraph)  # "医疗废物收集处置覆盖率：保持100%"
    paragraph = METRIC_COLON.sub(lambda m: COLON_VERBS.get(m.group(1) or "", "达到"), paragraph)
    # "在2022年9家绿色工厂基础上，完成16家…": the figure before 基础上 is where things stand, not a target
    # (stated once more at the end, so its year does not become the year of the targets after it)
    for m in list(BASE_BEFORE.finditer(paragraph)):
        paragraph += f"{m.group(1) or ''}{m.group(4)}{BASELINE_WORD}为{m.group(2)}{m.group(3)}。"
    # "新建一座焚烧发电设施": a count written in Chinese after a building verb is a count like "新建1座"
    paragraph = CN_COUNT.sub(lambda m: m.group(1) + str(CN_COUNT_VALUES[m.group(2)]) + m.group(3), paragraph)
    marks = _year_marks(paragraph)
    pos = 0
    for sentence in re.split(r"(?<=[。；！？])", paragraph):
        start = pos
        pos += len(sentence)
        if not sentence.strip():
            continue
        before = len(found)
        cpos = start
        for clause in re.split(r"(?<=[，。；！？：])", sentence):
            _clause_targets(clause, cpos, marks, sentence.strip(), found, paragraph[start:cpos])
            cpos += len(clause)
        if len(found) == before and re.search(r"\d%|个百分点|吨/万元", sentence):
            missed.append(sentence.strip())
    return found, missed


def _clause_targets(
    clause: str, offset: int, marks: list[tuple[int, int]], sentence: str, found: list[ParsedTarget], before: str = ""
) -> None:
    """Append the targets of one clause; `before` is the sentence up to the clause (for a place named there)."""
    body = clause.rstrip("，。；！？：")
    if "基础上" in body:
        return
    last = 0
    listed = ""  # the count verb of a "、" list: "创建无废社区8个、无废学校10所"
    for m in NUM_UNIT.finditer(body):
        value, unit = float(m.group(1)), m.group(2)
        right = body[m.end() :]
        suffix = next((s for s in SUFFIXES if right.startswith(s)), "")
        right = right[len(suffix) :]
        # "年处理能力合计100万吨", "处理能力达到每日1500吨": a word between the verb and the figure
        raw_left = body[last : m.start()]
        left = re.sub("(合计|共计|总计|每日|每天|日均)$", "", raw_left.lstrip("、，"))
        last = m.end() + len(suffix)
        if re.search(r"\d$", left) or re.match(r"^(年|月|日|号)", right):
            continue
        head, verb = _split_verb(left)
        if not verb and listed and raw_left.startswith("、") and 2 <= len(left) <= 16:
            head, verb = left, listed  # the next item of the list the verb governs
        baseline = BASELINE.search(head)
        if baseline:
            head = head[: baseline.start()]
            verb = baseline.group(0) + verb
        indicator = _clean_indicator(head)
        if not indicator and verb in COUNT_VERBS:
            obj = re.split("[、，]", right, maxsplit=1)[0]
            indicator = _clean_indicator(re.sub("(创建|建设|任务|工作)$", "", obj))
            if not indicator and found and found[-1].sentence == sentence and found[-1].unit == unit:
                # "每个乡镇建成阳光堆肥房不少于2座，全县建成22座": the total counts the thing named before it
                indicator = re.sub(rf"^.*?(?:{'|'.join(COUNT_VERBS)})", "", found[-1].indicator)
        elif not verb:
            bare = _clean_indicator(left)
            cv = next((v for v in COUNT_VERBS if left.startswith(v) or bare.startswith(v)), None)
            obj = _clean_indicator(re.split("[、，]", right, maxsplit=1)[0])
            if cv:
                verb, indicator = (
                    cv,
                    obj or _clean_indicator(bare[len(cv) :] if bare.startswith(cv) else left[len(cv) :]),
                )
            elif YEARLY.match(bare) and unit in ("吨", "万吨"):
                verb, indicator = "", bare  # "年利用煤矸石80万吨": a yearly amount names its own measure
            elif inner := _inner_count(bare):
                verb, indicator = inner  # "城区新建（改造）分类投放亭200个"
            elif left.startswith("其中") and 2 <= len(indicator) <= 16 and not re.search("[，、的]", indicator):
                pass  # "全县建成回收网点120个，其中乡镇分拣中心6个": a part of the count before it
            elif not (suffix and indicator) and not METRIC_END.search(indicator) and not QUOTED.match(indicator):
                continue
        if not indicator or len(indicator) > 40:
            continue
        comparator = (verb + "…" + suffix) if suffix else verb
        listed = verb if verb in COUNT_VERBS else ""
        year = _year_at(marks, offset + m.start())
        place = foreign_place(before + body[: m.start()])
        for ind in _split_shared(indicator):
            found.append(ParsedTarget(ind, comparator, value, unit, year, sentence, place=place))
    if last == 0:
        m2 = NO_VALUE.search(body)
        if m2:
            left = body[: m2.start()]
            verb = ""
            for v in ("实现", "保持", "做到", "达到"):
                i = left.rfind(v)
                if i >= 0:
                    left, verb = left[:i], left[i:]
                    break
            indicator = _clean_indicator(left)
            word = m2.group(1)
            if indicator and len(indicator) <= 40:
                value, unit = NO_VALUE_VALUES.get(word, (0.0, ""))
                year = _year_at(marks, offset + m2.start())
                found.append(ParsedTarget(indicator, verb + word, value, unit, year, sentence))


def _inner_count(text: str) -> tuple[str, str] | None:
    """(verb, object) when a count verb sits inside the words before a figure: "城区新建（改造）分类投放亭" -> 新建, 分类投放亭."""
    at = max(((text.rfind(v), v) for v in COUNT_VERBS), key=lambda iv: (iv[0], len(iv[1])))
    if at[0] < 0:
        return None
    if text[at[0] - 1 : at[0]] in ("”", "以及", "及"):
        return None  # "“无废城市”建设专项资金" is a name, not a count of what was built
    obj = _clean_indicator(re.sub(r"^（[^）]{0,8}）", "", text[at[0] + len(at[1]) :]))
    return (at[1], obj) if 2 <= len(obj) <= 20 and not re.search("[、，的等]", obj) else None


def foreign_place(text: str) -> str | None:
    """The last place named in the text, unless it only hands down the task ("完成郑州市下达的…")."""
    for m in reversed(list(PLACES.finditer(text))):
        if not re.match("下达|部署|要求|统一|的要求", text[m.end() :]):
            return m.group(0)
    return None


def render_target(indicator: str, comparator: str, value: float, unit: str) -> str:
    """The target as one phrase: 「工业固体废物综合利用率达到95%以上」."""
    if NO_VALUE.search(comparator):
        return indicator + comparator
    num = f"{value:g}{unit}"
    phrase = comparator.replace("…", num) if "…" in comparator else (comparator or "为") + num
    return indicator + phrase


# ---------------------------------------------------------------- facts


def _find_cells(text: str) -> dict[str, Any]:
    """无废细胞 types and the named 无废公园/无废景区 places."""
    types: list[str] = []
    places: list[dict[str, str]] = []
    for sentence in re.split(r"[。；]", text):
        if "无废细胞" in sentence:
            for m in re.finditer(r"([^，。；：]*?)等(?:场所|领域|单位|类型)?(?:为阵地的)?(?:“?无废细胞)", sentence):
                seg = re.sub(r"^(开展|以|包括|推进|创建|建设|打造|围绕)+", "", m.group(1))
                for item in split_units(seg):
                    item = item.strip("“”").removeprefix("无废")
                    if item and len(item) <= 8 and item not in types:
                        types.append(item)
            for m in re.finditer(r"“无废([\u4e00-\u9fff]{1,4})”", sentence):
                if m.group(1) not in ("细胞", "城市", "理念", "公园", "景区") and m.group(1) not in types:
                    types.insert(0, m.group(1))
        for m in re.finditer(
            r"(?:依托|建设|创建|打造)([^，。；]+?)等?(?:\d+个)?(?:创建|建设|打造)?“?无废(公园|景区)(?:”和“无废(公园|景区))?",
            sentence,
        ):
            kinds = [k for k in (m.group(2), m.group(3)) if k]
            for name in split_units(m.group(1).replace("和", "、")):
                name = re.sub(r"^(以及|和)", "", name)
                if not name or len(name) > 20:
                    continue
                kind = next(
                    (k for k in kinds if name.endswith(k[-2:]) or (k == "景区" and "度假区" in name)), kinds[-1]
                )
                if not any(p["name"] == name for p in places):
                    places.append({"name": name, "kind": "无废" + kind})
    return {"types": types, "places": places} if (types or places) else {}


def _find_indicator_system(text: str) -> dict[str, Any]:
    """Totals of an indicator system: "确定了48个建设指标，含…必选指标24个、…22个可选指标…"."""
    m = re.search(r"(\d+)个([\u4e00-\u9fff]{0,6}指标)[^。]*", text)
    if not m:
        return {}
    sentence = m.group(0)
    parts = []
    for item in re.split("[、，]", sentence[m.end(2) - m.start() :]):
        pm = re.search(r"(\d+)个([\u4e00-\u9fff]{0,6}?指标)", item) or re.search(
            r"([\u4e00-\u9fff]{0,6}?指标)(\d+)个", item
        )
        if not pm:
            continue
        count, name = (pm.group(1), pm.group(2)) if pm.group(1).isdigit() else (pm.group(2), pm.group(1))
        parts.append({"name": re.sub("^(含|包括|其中)", "", name), "count": int(count), "text": item.strip("（）见")})
    if not parts:
        return {}
    return {"total": int(m.group(1)), "name": m.group(2), "parts": parts, "sentence": sentence}


ROLE = re.compile(r"^(副\s*组\s*长|组\s*长|常务副主任|副\s*主\s*任|主\s*任|成\s*员)\s*：\s*(.*)$")


def _find_leadership(paras: list[tuple[str, str]]) -> dict[str, Any]:
    """Roles and member units of a leadership group listed as "组 长：杨 晋 市委副书记、代市长" lines."""
    leaders: list[dict[str, str]] = []
    members: list[str] = []
    role: str | None = None
    group = office = None
    for raw, text in paras:
        m = ROLE.match(raw)
        if m:
            role = re.sub(r"\s", "", m.group(1))
            rest = m.group(2).strip()
            if role == "成员" and "、" in rest:
                for part in re.split("[；;]", collapse(rest)):
                    part = re.sub(r"(等单位)?(相关|主要)?负责同志$|行政正职$|等单位$", "", part.strip("。"))
                    members.extend(u for u in split_units(part) if u not in members)
                role = None
                continue
        elif role and role != "成员" and re.match(r"^[\u4e00-\u9fff](\s?[\u4e00-\u9fff]){1,3}\s+\S", raw):
            rest = raw
        else:
            role = None
            if "领导小组" in text and text.endswith("名单"):
                group = re.sub(r"组成人员名单$|成员名单$|名单$", "", text)
            if text.startswith("领导小组下设办公室"):
                office = text
            continue
        tokens = rest.split()
        if len(tokens) >= 2 and len(tokens[0]) == 1 and len(tokens[1]) == 1:
            tokens = [tokens[0] + tokens[1], *tokens[2:]]
        if tokens:
            leaders.append({"role": role, "name": tokens[0], "post": "".join(tokens[1:])})
    if not leaders and not members:
        return {}
    return {"group": group, "leaders": leaders, "members": members, "office": office}


# ---------------------------------------------------------------- metadata


def _metadata(pre: list[str], paras: list[tuple[str, str]]) -> tuple[str, str | None, str | None, dt.date | None]:
    """Title, 文号, issuing body and date from the lines before the first heading (and the closing lines)."""
    short = [p for p in pre if len(p) <= 80 and "。" not in p and not p.endswith("：")]
    doc_no = next((p for p in short if DOC_NO.match(p)), None)
    plan_titles = [
        p for p in short if re.search(r"(方案|规划|计划|要点)(（[^）]*）)?$", p) and not p.startswith("关于印发")
    ]
    plan_titles = [p for p in plan_titles if "关于印发" not in p] or plan_titles
    other = [p for p in short if re.search(r"(说明|通知|意见|方案|规划|计划)$", p)]
    title = (plan_titles or other or short or [""])[-1 if plan_titles else 0]
    issuer = None
    for p in short:
        if p.endswith("文件") and len(p) <= 30:
            issuer = p.removesuffix("文件")
            break
    if issuer is None:
        m = next((re.match(r"^(.{2,30}?)关于印发", p) for p in short if "关于印发" in p), None)
        issuer = m.group(1) if m else None
    date = None
    for _raw, text in reversed(paras):
        dm = DATE_LINE.match(text)
        if dm and len(text) <= 16:
            try:
                date = dt.date(int(dm.group(1)), int(dm.group(2)), int(dm.group(3)))
            except ValueError:
                continue
            break
    return title, doc_no, issuer, date


def guess_city(title: str) -> str | None:
    """The city a plan is about, from its title ("新郑市“十四五”…" -> "新郑市")."""
    title = re.sub(r"^(关于)?(印发|转发|公布)?《?", "", title).replace("无废城市", "")
    # a title that starts with the place: "澄河县“…”建设工作方案", "苇塘县2025年“…”工作要点", "柏梁县深入推进…"
    m = re.match(r"([\u4e00-\u9fff]{1,4}?(?:市|县|区))(?=“|\d{4}年|（|推进|建设|关于|人民政府|“十)", title)
    m = m or re.match(r"([\u4e00-\u9fff]{2}(?:市|县|区))(?=深入|全面|加快|进一步|持续|开展|实施|推动|做好)", title)
    # "栎阳县生活垃圾分类分年度推进方案": a two-character place, then the plan's subject
    m = m or re.match(r"([\u4e00-\u9fff]{2}(?:市|县|区))(?=生活垃圾|垃圾|固体废物|固废|农村|城乡|城市)", title)
    if m and m.group(1)[:1] not in "全本我该各":
        return m.group(1)
    m = re.search(r"([\u4e00-\u9fff]{1,4}?(?:市|县|区))(?:“|人民政府|关于|[\u4e00-\u9fff]*“十)", title)
    if m:
        return m.group(1)
    m = re.search(r"([\u4e00-\u9fff]{1,4}?市)", title)
    return m.group(1) if m else None


# ---------------------------------------------------------------- the parser


# ---------------------------------------------------------------- tables

COLUMNS = [  # (role, header words); the first that a header cell contains decides the column's role
    ("number", ("序号", "编号")),
    ("group", ("类别", "领域", "板块")),  # "任务类别": the heading a run of rows shares, often a merged cell
    ("kind", ("类型", "属性")),
    ("skip", ("备注",)),
    ("base", ("现状", "基期", "基准", "基数")),
    ("lead", ("牵头",)),
    ("help", ("配合", "协办", "参与", "协同")),
    ("resp", ("责任", "负责")),
    ("deadline", ("时限", "时间", "节点")),
    ("value", ("目标值", "目标", "指标值", "预期")),
    ("content", ("内容", "措施", "要求", "举措")),
    ("name", ("名称", "任务", "指标", "项目", "事项")),
]
CELL_SPLIT = re.compile(r"\t+| {2,}|\s*[|｜│]\s*")
BAR_SPLIT = re.compile(r"[|｜│]")
COMPARATORS = {"≥": "达到…以上", ">=": "达到…以上", "≤": "不超过", "<=": "不超过", ">": "超过", "<": "低于"}


def _cells(line: str) -> list[str]:
    """The cells of a table row written with tabs, runs of spaces or "|" bars; [] for an ordinary line."""
    if "\t" not in line and "|" not in line and "｜" not in line and "│" not in line and "  " not in line:
        return []
    row = line.strip()
    if row[:1] in "|｜│" and row[-1:] in "|｜│":
        # a row drawn with bars splits on the bars only: an empty cell ("|  | 2 | …", a merged cell written once
        # above) stays one empty cell instead of its spaces making a second one
        cells = [c.strip() for c in BAR_SPLIT.split(row[1:-1])]
    else:
        cells = [c.strip() for c in CELL_SPLIT.split(row.strip("|｜│"))]
    return cells if len(cells) >= 3 else []


def _tab_cells(line: str, width: int) -> list[str]:
    """The cells of a tab-separated row keeping empty ones ("2\t\t1.…": a merged cell) when they fill the header."""
    if "\t" not in line or BAR_SPLIT.search(line):
        return []
    cells = [c.strip() for c in line.rstrip("\r\n").split("\t")]
    while len(cells) > width and not cells[-1]:
        cells.pop()
    while len(cells) > width and not cells[0]:
        cells.pop(0)
    return cells if len(cells) == width else []


def _column_role(cell: str) -> str:
    """The role a header cell gives its column ("牵头单位" -> "lead"), or ""."""
    return (
        "unit"
        if cell in ("单位", "计量单位")
        else next((r for r, words in COLUMNS if any(w in cell for w in words)), "")
    )


def _header(cells: list[str]) -> list[str] | None:
    """The role of each column when the cells are a header row naming units or indicators, else None."""
    roles = [_column_role(c) for c in cells]
    if "name" not in roles and "group" in roles:  # "类别｜牵头单位｜…": the only naming column names the row
        roles[roles.index("group")] = "name"
    if "name" not in roles and "kind" in roles:  # "细胞类型｜2026年目标｜牵头单位": the kind names the row
        roles[roles.index("kind")] = "name"
    if not ({"lead", "resp", "help", "value"} & set(roles)) or "name" not in roles:
        return None  # an indicator table with a 目标值 column is read like a task table
    return roles


INLINE_ITEM = re.compile(r"(^|[；;。])\s*\d{1,2}[.．、](?!\d)\s*")  # "1.建成…；2.设置…" inside one cell
MERGED = ("group", "lead", "resp")  # a cell merged down over several rows is written once, empty below


def _row_paragraph(
    n: int,
    row: dict[str, str],
    year: str | None,
    values: list[tuple[str | None, str]] | None = None,
    base_year: str | None = None,
) -> str:
    """One table row as a numbered paragraph the parser already reads: "3. 名称。内容。（牵头单位：…；配合单位：…）".

    `values`: (year, cell) of every target column when the table has one per year ("2024年目标值", "2026年目标值").
    """
    name = INLINE_ITEM.sub(r"\1", row.get("name", "")).rstrip("。；")
    if row.get("group") and name != row["group"]:
        # "生活垃圾分类" over "1.…；2.…": the group heads the row, the cell's items are its text
        name = f"{row['group']}。{name}"
    parts = [f"{n}. {name}。"]
    if row.get("content"):
        parts.append(row["content"].rstrip("。") + "。")
    for when_year, cell in values or [(year, row.get("value", ""))]:
        value = cell.replace(" ", "")
        if row.get("unit") and re.fullmatch(r"[≥≤><=]*\d+(\.\d+)?", value):
            value += row["unit"].strip("（）()")  # the unit in its own column: "90" under "%"
        if not (value and re.search(r"\d", value)):
            continue
        sign = next((k for k in COMPARATORS if value.startswith(k)), "")
        number = value[len(sign) :]
        when = f"到{when_year}年，" if when_year else ""
        comparator = COMPARATORS.get(sign, "达到")
        phrase = comparator.replace("…", number) if "…" in comparator else comparator + number
        parts.append(f"{when}{name}{phrase}。")
    base = row.get("base", "").replace(" ", "")
    if re.fullmatch(
        r"\d+(\.\d+)?[%个家座所处]?", base
    ):  # the baseline column: "2024年…现状为76.5%", never a target year
        when = f"{base_year}年" if base_year else ""
        unit = "" if not base[-1].isdigit() else row.get("unit", "").strip("（）()")
        parts.append(f"{when}{name}{BASELINE_WORD}为{base}{unit}。")
    if re.fullmatch(r"[\u4e00-\u9fff]{2,5}", row.get("kind", "")):  # 指标属性/指标类型: "约束性", "预期性"
        parts.append(f"{name}是{row['kind']}指标。")
    if row.get("deadline"):
        parts.append(f"完成时限：{row['deadline']}。")
    units = [f"牵头单位：{row['lead']}"] if row.get("lead") else []
    units += [f"责任单位：{row['resp']}"] if row.get("resp") else []
    units += [f"配合单位：{row['help']}"] if row.get("help") else []
    if units:
        parts.append("（" + "；".join(units) + "）")
    return "".join(parts)


TABLE_END = re.compile(rf"^([{CN_DIGITS}]{{1,3}}[、.]|附件|附录|附表|第[{CN_DIGITS}\d]+[章节条])")


def _header_run(lines: list[str], i: int) -> list[str]:
    """The header cells of a table written one cell per line from line `i` ("序号", "重点任务", "牵头单位" …), or []."""
    run: list[str] = []
    for line in lines[i:]:
        cell = line.strip()
        if not cell or len(cell) > 10 or re.search(r"[。，、；：\d]", cell) or not _column_role(cell):
            break
        run.append(cell)
    while len(run) >= 3 and _header(run) is None:
        run.pop()
    return run if len(run) >= 3 else []


def cell_lines_as_rows(text: str) -> str:
    """A table flattened to text one cell per line (PDF or web page copies) as tab-separated rows under its header.

    Rows start at the next 序号 when the first column is numbered, else every `len(header)` lines; a row whose cell
    count does not match is left as it was, so nothing is silently misassigned.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        header = _header_run(lines, i)
        if not header:
            out.append(lines[i])
            i += 1
            continue
        k = len(header)
        j = i + k
        body: list[str] = []
        while j < len(lines) and lines[j].strip() and not TABLE_END.match(lines[j].strip()):
            body.append(lines[j].strip())
            j += 1
        rows: list[list[str]] = []
        if (_header(header) or [""])[0] == "number":
            for cell in body:
                if cell == str(len(rows) + 1):
                    rows.append([cell])
                elif rows:
                    rows[-1].append(cell)
        else:
            rows = [body[n : n + k] for n in range(0, len(body), k)]
        if not rows or any(len(r) != k for r in rows) or sum(map(len, rows)) != len(body):
            out.append(lines[i])  # not a table we can read cell by cell: leave the text alone
            i += 1
            continue
        out.append("\t".join(header))
        out.extend("\t".join(r) for r in rows)
        i = j
    return "\n".join(out)


BOX_RULE = re.compile(r"^\s*[┌├└╔╠╚+][─━═\-┬┼┴╤╪╧+┐┤┘╗╣╝]+\s*$")
BOX_ROW = re.compile(r"^\s*[│┃║|].*[│┃║|]\s*$")
BOX_BAR = re.compile(r"[│┃║|]")


MD_RULE = re.compile(r"\|?(\s*:?-{3,}:?\s*\|)+\s*(:?-{3,}:?)?\s*")


def _wrapped_markdown(lines: list[str], i: int) -> bool:
    """True at the header of a "|" table (序号 first, a "|---|" rule under it) where a row wraps onto a line whose
    序号 cell is empty ("|    | 分类 | 局 |")."""
    if not (BOX_ROW.match(lines[i]) and i + 1 < len(lines) and MD_RULE.fullmatch(lines[i + 1].strip())):
        return False
    if _column_role((BOX_BAR.split(lines[i].strip())[1:-1] or [""])[0].strip()) != "number":
        return False
    for line in lines[i + 2 :]:
        if not BOX_ROW.match(line):
            return False
        cells = BOX_BAR.split(line.strip())[1:-1]
        if cells and not cells[0].strip():
            return True
    return False


def box_tables_as_rows(text: str) -> str:
    """A box-drawn table (┌─┬─┐ / +--+ frames) whose cells wrap over several text lines as one tab-separated row each.

    The lines between two rules are one row: each column's pieces are joined ("县城市管理" + "局"), an empty cell is
    written "—" so the columns do not shift. Without rules between rows, a line with a number in the first column
    starts a row. Tables drawn with bars alone (markdown) are left to `_cells`.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _wrapped_markdown(lines, i):
            lines[i : i + 1] = ["+-+", lines[i]]  # read like a frame: rules between rows, or numbers, start rows
        if not (BOX_RULE.match(lines[i]) and i + 1 < len(lines) and BOX_ROW.match(lines[i + 1])):
            out.append(lines[i])
            i += 1
            continue
        rows: list[list[str]] = []
        current: list[str] | None = None
        j = i
        while j < len(lines) and (BOX_RULE.match(lines[j]) or BOX_ROW.match(lines[j])):
            line = lines[j].strip()
            j += 1
            if BOX_RULE.match(line) or MD_RULE.fullmatch(line):
                current = None
                continue
            cells = [c.strip() for c in BOX_BAR.split(line)[1:-1]]
            starts = current is not None and current[0] and re.fullmatch(r"\d{1,3}", cells[0])
            if current is None or len(cells) != len(current) or starts:
                current = cells
                rows.append(current)
                continue
            for k, piece in enumerate(cells):
                current[k] += piece
        out.extend("\t".join(c or "—" for c in row) for row in rows)
        i = j
    return "\n".join(out)


KV_NUMBER = re.compile(r"^\s*(?:(\d{1,3})\s*[．.、]|[（(](\d{1,3})[）)])\s*")
KV_PART = re.compile(r"^([^：:；;，。]{2,12})[：:]\s*(.*)$")


def _kv_parts(line: str) -> tuple[str | None, list[tuple[str, str]]] | None:
    """("1", [("指标名称", "…"), ("2025年目标值", "40%")]) for a "名称：值；名称：值" line whose names are column
    headers, else None."""
    m = KV_NUMBER.match(line)
    number = (m.group(1) or m.group(2)) if m else None
    rest = line[m.end() :] if m else line
    parts = []
    for piece in re.split(r"[；;]", rest.strip().rstrip("。；;")):
        kv = KV_PART.match(piece.strip())
        if not kv or not _column_role(kv.group(1).strip()):
            return None
        parts.append((kv.group(1).strip(), kv.group(2).strip()))
    return (number, parts) if parts else None


def key_value_rows_as_table(text: str) -> str:
    """Indicator or task records written "指标名称：…；2025年目标值：…；指标属性：…" (one record a line, or one field a
    line with the first field repeating) as a tab-separated table under a header of the field names.

    Only records whose field names make a table header (a name and a value, a lead or a unit column) are rewritten:
    a task's own "牵头单位：…；配合单位：…" line stays as it is.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        first = _kv_parts(lines[i])
        if first is None:
            out.append(lines[i])
            i += 1
            continue
        records: list[tuple[str | None, dict[str, str]]] = []
        j = i
        while j < len(lines):
            if not lines[j].strip():
                j += 1
                continue
            got = _kv_parts(lines[j])
            if got is None:
                break
            number, parts = got
            keys = [k for k, _v in parts]
            if len(parts) > 1 or not records or number or keys[0] in records[-1][1]:
                records.append((number, {}))
            records[-1][1].update(parts)
            j += 1
        keys = list(dict.fromkeys(k for _n, r in records for k in r))
        header = ["序号", *keys]
        if len(keys) < 2 or _header(header) is None:
            out.append(lines[i])
            i += 1
            continue
        while j > i and not lines[j - 1].strip():
            j -= 1  # blank lines after the last record stay
        out.append("\t".join(header))
        for n, (number, rec) in enumerate(records, 1):
            out.append("\t".join([number or str(n), *(rec.get(k) or "—" for k in keys)]))
        i = j
    return "\n".join(out)


HTML_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S | re.I)
HTML_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S | re.I)
HTML_TAG = re.compile(r"<[^>]+>")
HTML_TABLE = re.compile(r"<table[^>]*>.*?</table>", re.S | re.I)


def html_tables_as_rows(text: str) -> str:
    """An HTML table (`<table><tr><td>…`) as one tab-separated row a line; an empty cell is written "—"."""
    if "<t" not in text.lower():
        return text

    def rows(m: re.Match[str]) -> str:
        lines = []
        for tr in HTML_ROW.findall(m.group(0)):
            cells = [collapse(HTML_TAG.sub("", c).replace("&nbsp;", " ")).strip() for c in HTML_CELL.findall(tr)]
            if cells:
                lines.append("\t".join(c or "—" for c in cells))
        return "\n".join(lines)

    return HTML_TABLE.sub(rows, text)


ROW_START = re.compile(r"\d{1,3}[．.、]?")


def wrapped_tab_rows_joined(text: str) -> str:
    """A tab-separated table whose rows wrap onto the next line ("…综合利" / "用率\t\t\t局") as one line a row.

    Inside a table numbered in its first column (序号), a short line that does not start with a row number continues
    the row above: with tabs its pieces go to the same columns, with none it ends the last cell ("县住房和城乡建" +
    "设局"). Without a 序号 column a wrapped piece cannot be told from a row, and nothing is joined.
    """
    out: list[str] = []
    numbered = False  # in a table whose header starts with 序号
    joinable = False  # the last line written is a numbered row of that table
    for line in text.split("\n"):
        fields = [f.strip() for f in line.rstrip().split("\t")]
        short = line.strip() and len(line.strip()) <= 40 and not _numbering(line.strip())
        piece = short and not ROW_START.fullmatch(fields[0]) and not TABLE_END.match(line.strip())
        if joinable and piece:
            above = out[-1].split("\t")
            if (
                1 < len(fields) < len(above)
            ):  # trailing empty cells cut, or the leading 序号 cell when it starts a piece
                pad = [""] * (len(above) - len(fields))
                fields = pad + fields if fields[0] else fields + pad
            if len(fields) == len(above) > 1:
                out[-1] = "\t".join(a + f for a, f in zip(above, fields, strict=True))
                continue
            if len(fields) == 1 and not re.search("[。；：，]", line):
                out[-1] = out[-1].rstrip() + fields[0]
                continue
        roles = _header(_cells(line)) if "\t" in line else None
        if roles:
            numbered = roles[0] == "number"
        elif not line.strip() or "\t" not in line:
            numbered = False
        joinable = numbered and not roles and bool(ROW_START.fullmatch(fields[0]))
        out.append(line)
    return "\n".join(out)


def tables_as_paragraphs(text: str) -> str:
    """Rewrite task and indicator tables (tab-, space- or bar-separated rows under a header) as numbered paragraphs."""
    return _rewrite_tables(text)[0]


def _rewrite_tables(text: str) -> tuple[str, list[str]]:
    """`tables_as_paragraphs`, and the paragraphs written for table rows (an annex's rows are items, not prose)."""
    text = cell_lines_as_rows(key_value_rows_as_table(box_tables_as_rows(html_tables_as_rows(text))))
    text = wrapped_tab_rows_joined(text)
    written: list[str] = []
    out: list[str] = []
    roles: list[str] | None = None
    year: str | None = None
    years: list[str | None] = []  # the year each column's header names
    n = 0
    above: dict[str, str] = {}  # the row before, for cells merged down over several rows
    for line in text.split("\n"):
        cells = _cells(line)
        if cells and (header := _header(cells)):
            roles, n, above = header, 0, {}
            years = [m.group(1) if (m := re.search(r"(20\d\d)年", c)) else None for c in cells]
            # the year of the target column ("2027年目标值"), not of a baseline column before it ("2024年基期值")
            year = next((y for y, r in zip(years, roles, strict=False) if y and r == "value"), None)
            year = year or next((y for y in years if y), None)
            continue
        if roles and cells and set("".join(cells)) <= set("-:—｜| "):
            continue  # a markdown rule under the header ("|---|---|"): the table goes on
        if roles and cells:
            n += 1
            cells = _tab_cells(line, len(roles)) or cells
            row = {r: c for r, c in zip(roles, cells, strict=False) if r and c and c not in ("/", "—", "-")}
            if any(r in row for r in ("name", "content")) and "group" in roles and not row.get("group"):
                # a row under a merged 类别 cell: its other empty merged cells take the cell above too (an empty
                # 牵头 cell elsewhere is a task with no lead: "…按职责分工负责")
                for r in MERGED:
                    if r in roles and not row.get(r) and above.get(r):
                        row[r] = above[r]
            above = row
            number = row.get("number", "")
            per_year = [(years[i], c) for i, (r, c) in enumerate(zip(roles, cells, strict=False)) if r == "value"]
            values = per_year if len({y for y, _c in per_year}) > 1 else []
            base_year = next((y for y, r in zip(years, roles, strict=False) if r == "base"), None)
            out.append(_row_paragraph(int(number) if number.isdigit() else n, row, year, values, base_year))
            written.append(out[-1])
            continue
        if roles and not line.strip():
            continue
        roles = None
        out.append(line)
    return "\n".join(out), written


# "1．（责任单位：X；配合单位：Y）标题。…": units written before the task are moved after it, where they are read
UNITS_FIRST = re.compile(
    r"^([ \t　]*+(?:\d{1,2}[ \t　]*[．.、]|[（(][一二三四五六七八九十\d]{1,3}[）)])?[ \t　]*+)"  # never \s: no newline
    r"([（(](?:责任单位|牵头单位|主责单位|牵头部门|责任部门)[：:][^（）()\n]{2,120}[）)])(?![ \t　]*$)(.+)$",
    re.M,
)


def parse_plan(text: str, *, city: str | None = None) -> ParsedPlan:
    """Parse a plan's plain text into metadata, sections, tasks, targets, facts and unparsed fragments."""
    text = "\n".join(_without_pages(text.replace("\r\n", "\n").split("\n")))
    text = UNITS_FIRST.sub(r"\1\3\2", text)
    rewritten, rows = _rewrite_tables(unmarkdown(text))
    paras = [part for para in paragraphs(rewritten) for part in _shi_items(*para)]
    # "附件2 重点任务分工表" written as a table: its rows are the plan's items (units, deadlines, figures), while
    # other numbered lines of an annex (a leadership list, "1．…" names) stay the annex's text
    table_rows = {collapse(canonical(r)) for r in rows}
    sections: list[ParsedSection] = []
    stack: list[tuple[str, int]] = []  # (style, section index) from the top
    preamble: list[str] = []
    unparsed: list[Fragment] = []
    in_annex = False

    def new_section(style: str, number: str, rest: str) -> ParsedSection:
        while stack and (style in [s for s, _ in stack]):
            popped = stack.pop()
            if popped[0] == style:
                break
        if style == "annex":
            stack.clear()
        parent = stack[-1][1] if stack else None
        label = (sections[parent].label if parent is not None else "") + _label(style, number)
        if parent is not None and sections[parent].style == "annex":
            label = f"{sections[parent].label}第{number}项"  # a row of an annex table: "附件2第3项", not "附件23"
        first = re.split(r"(?<=[。；])", rest, maxsplit=1)[0]
        title = first.rstrip("。；") if len(first) <= 40 else re.split("[，、]", first)[0][:40]
        sec = ParsedSection(len(sections), parent, style, number, label, len(stack) + 1, title)
        sec.text = rest if rest != title else ""
        sections.append(sec)
        stack.append((style, sec.index))
        return sec

    current: ParsedSection | None = None
    annex_list = False  # "附件：1．…" then "2．…" in a notice's header: the attachments' names, not headings
    for _raw, para in paras:
        annex = ANNEX.match(para)
        num = None if in_annex and not annex and para not in table_rows else _numbering(para)
        if current is None and para.startswith("附件："):
            annex_list = True
        elif not (annex_list and num and len(para) <= 60 and "。" not in para):
            annex_list = False
        if annex_list:
            preamble.append(para)
            continue
        if annex:
            in_annex = True
            current = new_section("annex", annex.group(1), "")
            current.title = annex.group(0).rstrip("：")
            continue
        if in_annex and current is not None and current.style == "annex" and not current.text:
            current.title = para if len(para) <= 60 and "。" not in para else current.title
            current.text = para
            continue
        if num:
            current = new_section(*num)
            body, units = _inline_units(current.text)
            if units:
                current.text = body
                _attach_units(current, units, unparsed)
            continue
        if UNIT_LABEL.match(para) or (para.startswith("（") and UNIT_LABEL.match(para, 1)):
            if current is None:
                unparsed.append(Fragment("单位行前面没有编号条目", para))
            else:
                _attach_units(current, para[1:-1] if para.startswith("（") else para, unparsed)
            continue
        if current is None:
            preamble.append(para)
            continue
        body, units = _inline_units(para)
        if units:
            _attach_units(current, units, unparsed)
        current.text = (current.text + "\n" + body).strip("\n") if body else current.text

    tasks = _tasks(sections)
    targets: list[ParsedTarget] = []
    task_of = {t.section: i for i, t in enumerate(tasks)}
    for chunk, sec_index in [("\n".join(preamble), None)] + [(s.text, s.index) for s in sections if s.style != "annex"]:
        for para in chunk.split("\n"):
            found, missed = extract_targets(para)
            for t in found:
                t.section = sec_index
                t.task = task_of.get(sec_index) if sec_index is not None else None
                if t.year is None and sec_index is not None:
                    t.year = _section_year(sections, sec_index)
            targets.extend(found)
            unparsed.extend(Fragment("含数值但未识别出目标", s) for s in missed)

    all_text = "\n".join(p for _r, p in paras)
    title, doc_no, issuer, date = _metadata(preamble, paras)
    city = city or guess_city(title)
    if city:  # "开封市建设经验表明…可以达到92%": another place's figure quoted in this plan is not this plan's target
        for t in targets:
            if t.place and bare_name(t.place) != bare_name(city):
                unparsed.append(Fragment("其他地方的数字，不作为本方案目标", t.sentence))
        targets = [t for t in targets if not t.place or bare_name(t.place) == bare_name(city)]
    facts: dict[str, Any] = {}
    for key, value in (
        ("cells", _find_cells(all_text)),
        ("indicator_system", _find_indicator_system(all_text)),
        ("leadership", _find_leadership(paras)),
    ):
        if value:
            facts[key] = value
    host = next((m.group(1) for _r, p in paras if (m := HOST_LINE.match(p))), None)
    if host:  # a notice's closing "主办：市生态环境分局": the office that drafted and runs the document
        facts["host"] = host
    opening = [p for p in preamble if "。" in p and len(p) >= 20]
    if opening:  # "全县要以…为重点": sentences before the first heading are quoted too
        facts["opening"] = opening
    return ParsedPlan(
        title=title,
        doc_no=doc_no,
        issuer=issuer,
        date=date,
        city=city,
        preamble="\n".join(preamble),
        sections=sections,
        tasks=tasks,
        targets=targets,
        facts=facts,
        unparsed=unparsed,
    )


ANSWER_LEAD = re.compile(r"^答[：:]\s*")  # the answer under a "问N：" heading
SHI_START = re.compile(rf"(?:^|(?<=[：。；]))[{CN_DIGITS}]{{1,2}}是(?=[\u4e00-\u9fff“])")


def _shi_items(raw: str, para: str) -> list[tuple[str, str]]:
    """A paragraph of "一是…。二是…。" prose as one paragraph per item (the lead-in before 一是 stays first)."""
    para = ANSWER_LEAD.sub("", para)
    if "一是" not in para or "二是" not in para:
        return [(raw, para)]
    starts = [m.start() for m in SHI_START.finditer(para)]
    if len(starts) < 2 or not para[starts[0] :].startswith("一是"):
        return [(raw, para)]
    cuts = [0, *starts] if starts[0] else starts
    parts = [para[a:b] for a, b in zip(cuts, [*cuts[1:], len(para)], strict=True)]
    return [(p, p) for p in parts if p]


SECTION_YEAR = re.compile(r"^(?:第[一二三四五六七八九十]阶段[（(]?)?(20\d\d)年(?:度)?(?:[：:）)（(]|目标|工作|任务|$)")


def _section_year(sections: list[ParsedSection], index: int | None) -> int | None:
    """The year a plan organised by year gives a section ("（二）2025年：全面推开"), from it or an ancestor."""
    while index is not None:
        m = SECTION_YEAR.match(sections[index].title)
        if m:
            return int(m.group(1))
        index = sections[index].parent
    return None


def _label(style: str, number: str) -> str:
    return {
        "cn_paren": f"（{number}）",
        "ar_paren": f"（{number}）",
        "chapter": f"第{number}章",
        "part": f"第{number}部分",
        "jie": f"第{number}节",
        "cn_shi": f"{number}是",
        "wen": f"问{number}",
        "renwu": f"任务{number}",
        "xingdong": f"行动{number}",
        "tiao": f"第{number}条",
        "annex": f"附件{number}",
    }.get(style, number)


UNIT_DEADLINE = re.compile(r"[；;，,]?\s*(完成时限|完成时间|时间节点|时限)[：:]\s*([^。；;）)]{2,30})")


def _attach_units(sec: ParsedSection, text: str, unparsed: list[Fragment]) -> None:
    due = UNIT_DEADLINE.search(text)
    if due:  # "（责任单位：…；完成时间：2026年底）": the deadline stays with the task's text
        text = text[: due.start()] + text[due.end() :]
        sec.text = (sec.text + f"\n完成时限：{due.group(2).strip()}。").strip("\n")
    lead, resp = parse_units(text)
    if not lead and not resp:
        unparsed.append(Fragment("单位行没有识别出单位", text))
        return
    sec.has_units = True
    sec.lead.extend(u for u in lead if u not in sec.lead)
    sec.responsible.extend(u for u in resp if u not in sec.responsible)
    for u in lead + resp:
        if len(u) > 30 or "。" in u:
            unparsed.append(Fragment("单位名称可疑", u))


def _tasks(sections: list[ParsedSection]) -> list[ParsedTask]:
    """Leaf items under a part about tasks (重点任务 …), and any item with units; units inherit from a parent."""
    has_child = {s.parent for s in sections if s.parent is not None}
    tasks = []
    for sec in sections:
        if sec.style == "annex" or (sec.index in has_child and not sec.has_units):
            continue
        chain = [sec]
        while chain[-1].parent is not None:
            chain.append(sections[chain[-1].parent])
        if not sec.has_units and not any(
            TASK_WORDS.search(s.title) and not re.search("目标|指标", s.title) for s in chain[1:]
        ):
            continue  # the items of "二、行动目标" are targets, not tasks
        owner = next((s for s in chain if s.has_units), sec)
        tasks.append(ParsedTask(sec.index, sec.label, sec.title, sec.text, list(owner.lead), list(owner.responsible)))
    return tasks
