"""Text clean-up before matching: full-width to half-width, traditional to simplified, emoji and noise removed.

Emoji that name an item ("🍌皮") and common English names ("plastic bottle") become the Chinese words the
catalogue knows (knowledge/data/foreign_names.yaml); pinyin tone marks are dropped ("sù liào" → "su liao").
"""

from __future__ import annotations

import re
import unicodedata
from importlib.resources import files

import yaml

# Characters that only occur in traditional text: most messages have none and skip the (slower) conversion. They are
# zhconv's zh-cn single characters that change, kept in a data file so that a start does not load zhconv's tables
# (tests/knowledge/test_traditional_chars.py checks the file against zhconv).
TRADITIONAL_FILE = "data/traditional_chars.txt"
_TRADITIONAL = frozenset(files("knowledge").joinpath(TRADITIONAL_FILE).read_text(encoding="utf-8").strip())

MAX_CHARS = 500

# Separators between several items in one message ("电池和纸巾", "电池、纸巾") are kept as "，".
_KEEP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff，,、;；/|+&.·%\s]")
_SEP = re.compile(r"[,;；/|+&]+")  # "茶叶渣+咖啡渣", "纸巾&湿巾": joined items
# 河南 and other everyday spoken forms, mapped to the words the lexicon knows ("俺家的旧衣裳搁哪" → 我家…放哪)
_DIALECT = str.maketrans(
    {"啥": "什么", "咋": "怎么", "搁": "放", "撂": "扔", "俺": "我", "恁": "你", "哩": "的", "嘞": None, "捏": None}
)
# Filler that says nothing ("就是说", "那啥"), 河南 phrases the lexicon would misread, and common misspellings.
_PHRASES = (
    ("中不中", "行不行"),
    ("就是说", " "),
    ("那什么", " "),
    ("宝子们", " "),
    # Henan 洋瓷 is enamel (搪瓷: 洋瓷碗, 洋瓷盆, 洋瓷缸); read as 瓷 it would be ceramic and 其他垃圾
    ("洋瓷", "搪瓷"),
    ("来着", " "),
    ("本身", ""),  # "那充电宝本身呢": the thing itself
    # washing said other ways ("冲过水的外卖盒", "涮干净了"): the words the local rules' states list
    ("用水冲过", "洗过"),
    ("冲过水", "洗过"),
    ("冲过了", "洗过了"),
    ("涮过", "洗过"),
    ("涮干净", "洗干净"),
    ("刷干净", "洗干净"),
    ("神马", "什么"),
    ("木有", "没有"),
    ("怎莫", "怎么"),
    ("怎摸", "怎么"),
    # 鸭 typed for 呀 after the question ("扔哪个桶鸭"): a particle, not the food 鸭
    ("桶鸭", "桶呀"),
    ("哪鸭", "哪呀"),
    ("吗鸭", "吗呀"),  # 木有 is 没有 typed the way it is said online; read as 木 it would be wood
    # A-not-A yes/no forms the lexicon has no word for ("眼药水算不算有害垃圾", "尿不湿可不可以扔可回收"): the forms
    # it reads as the question frame ("是不是", "能不能"), never part of the item's name ("眼药水算不算")
    ("算不算", "是不是"),
    ("属不属于", "是不是"),
    ("可不可以", "能不能"),
    # 垃圾 typed by sound with the wrong characters ("塑料瓶是什么拉鸡"): 鸡 would read as food
    ("拉鸡", "垃圾"),
    ("垃鸡", "垃圾"),
    ("辣鸡", "垃圾"),
    ("拉圾", "垃圾"),
    ("垃级", "垃圾"),
    ("拉级", "垃圾"),
    # names typed by sound (voice input, pinyin IMEs) that the imported list itself carries with another bin
    ("螺狮", "螺蛳"),
    ("螺师", "螺蛳"),
    ("灯炮", "灯泡"),
    ("充电包", "充电宝"),
    ("化装品", "化妆品"),
    ("可回首", "可回收"),  # 收 typed by sound ("旧报纸算可回首的吗")
    ("蛤喇", "蛤蜊"),  # 蛤蜊 written as it is said (ha la)
    ("鸡子儿", "鸡蛋"),  # northern 鸡子儿 is an egg ("鸡子儿壳")
    # 扔 typed as 仍 ("烟头仍哪"); 仍 alone stays ("仍然", "仍在用")
    ("仍哪", "扔哪"),
    ("仍到", "扔到"),
    ("仍进", "扔进"),
    ("仍掉", "扔掉"),
    ("往哪仍", "往哪扔"),
    ("能仍", "能扔"),
    ("该仍", "该扔"),
    ("怎么仍", "怎么扔"),
)
_ANY_PHRASE = re.compile("|".join(re.escape(phrase) for phrase, _ in _PHRASES))
# A delivery app's name before a box or bag ("饿了么餐盒", "美团的打包袋") says it is take-away packaging: read as
# 外卖 so that it gets the take-away rules (and their question about the state) rather than the plain 餐盒/袋.
_DELIVERY_APPS = re.compile(
    "(?:美团|饿了么|饿了吗|淘宝闪购|京东外卖)(?:外卖)?(?:的)?(?=(?:一次性)?(?:餐盒|饭盒|打包盒|盒子|盒|打包袋|袋子|袋|包装))"
)
# Pouring or flushing something away ("过期药倒马桶", "剩菜倒进下水道"): the drain is where it went, never the item
# asked about (马桶 alone is renovation waste); the message keeps only the verb.
# "扔厨余行不" is the yes/no form "行不行" cut short; read as a name it would end in 行 ("剩菜行")
_XING_BU = re.compile("行不(?![行通])")
_POURED_AWAY = re.compile("(?:倒|冲|扔|丢)(?:进|到|入)?(?:马桶|下水道|厕所|水池|水槽|洗手池|洗菜池)(?:里面|里边|里)?")
_LATIN_TONES = re.compile(r"[\u00c0-\u024f]")
# a tone number is one not followed by a digit or Han ("a1_a1" as much as "a1 a1": "_" becomes a space later)
_TONE_NUMBERS = re.compile(r"(?<=[aeiouvngr])[1-5](?![0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")


def _load_foreign() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Emoji and English names from the bundled data file."""
    text = files("knowledge").joinpath("data/foreign_names.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    emoji = {str(k).replace("\ufe0f", ""): str(v) for k, v in (data.get("emoji") or {}).items()}
    english = {" ".join(str(k).lower().split()): str(v) for k, v in (data.get("english") or {}).items()}
    for word, meant in list(english.items()):  # "nappy" → "nappies", "button battery" → "button batteries"
        if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
            english.setdefault(word[:-1] + "ies", meant)
    if not english:
        return emoji, None
    words = sorted(english, key=len, reverse=True)
    alternatives = "|".join(r"\s*".join(map(re.escape, w.split())) for w in words)
    _ENGLISH.update(english)
    return emoji, re.compile(rf"(?<![a-z])(?:{alternatives})(?:es|s)?(?![a-z])")


_ENGLISH: dict[str, str] = {}
_EMOJI, _ENGLISH_RE = _load_foreign()
_EMOJI_CHARS = frozenset(_EMOJI)


def _detone(match: re.Match[str]) -> str:
    """ "ù" → "u", "ü" → "v" (pinyin typed with tone marks)."""
    decomposed = unicodedata.normalize("NFKD", match.group()).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _emoji(text: str) -> str:
    """Emoji that name things become words; one standing beside its own word ("电池🔋") adds nothing."""
    out: list[str] = []
    previous = False
    for i, ch in enumerate(text):
        if ch == "\ufe0f":
            continue  # the emoji presentation selector
        word = _EMOJI.get(ch)
        if word is None:
            out.append(ch)
            previous = False
            continue
        if "".join(out).rstrip().endswith(word) or text[i + 1 :].lstrip().startswith(word):
            continue
        out.append(("，" if previous else "") + word)
        previous = True
    return "".join(out)


def _english(match: re.Match[str]) -> str:
    said = " ".join(match.group().split())
    word = _ENGLISH.get(said)
    if word is None:
        word = _ENGLISH.get(said[:-2]) if said.endswith("es") else None
        word = word or _ENGLISH.get(said[:-1], said)
    return f" {word} "


# 儿化 after a name's last character ("瓜子皮儿", "苹果核儿", "瓶盖儿"): spoken, not part of the name
_ERHUA = re.compile("(?<=[核皮壳盒瓶袋罐渣盖片兜本杯碗管芯把签籽头叶刺根粒])儿(?![童女子科歌时])")
_HAN_ONLY = re.compile("[\u4e00-\u9fff]+")  # CJK unified ideographs: no NFKC decomposition, no case
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"[.·]{2,}")
# A numbered list ("1.易拉罐 2.烟头 3.剩菜", "1、电池；2、灯管"): the numbers only separate the items.
_NUMBERED = re.compile(r"(?:^|(?<=[\s，、;；]))[1-9][.、)）:：]\s*(?=[\u4e00-\u9fff])")
_HAN_DOT = re.compile(r"(?<=[\u4e00-\u9fff])\.(?=[\u4e00-\u9fff])")
_CJK_GAP = re.compile(r"([\u4e00-\u9fff]+) (?=([\u4e00-\u9fff]+))")
# a run is two or more Chinese characters, after a number if any ("5号电池", "84消毒液")
_CJK_LIST = re.compile(r"(?:^|(?<= ))[0-9]*[\u4e00-\u9fff]{2,}(?: [0-9]*[\u4e00-\u9fff]{2,}){2,}(?=$| )")


def _gap(match: re.Match[str]) -> str:
    """A space between two longer runs of Chinese separates clauses ("摔碎了 玻璃渣咋弄"); a short one is a typo."""
    left, right = match.group(1), match.group(2)
    return left + ("，" if len(left) >= 3 and len(right) >= 3 else "")


_NOT_A_NAME = re.compile("[问哪怎咋啥么吗呢吧村庄乡俺咱您我你他她]")


def _names_only(runs: str) -> bool:
    """Every run but the last (which may hold the question, "旧杂志扔哪") reads as a name: no question or place word."""
    return _NOT_A_NAME.search(runs.rsplit(" ", 1)[0]) is None


def _listed_names(text: str) -> re.Match[str] | None:
    """The first run of three or more names; an opening run that is no name ("请问 葱叶子 蒜皮 扔哪") is left out."""
    pos = 0
    while (listed := _CJK_LIST.search(text, pos)) is not None:
        if _names_only(listed.group()):
            return listed
        pos = listed.start() + listed.group().index(" ") + 1
    return None


# Circled and parenthesised numbers ("①纸箱②电池③瓜子壳", "⑴旧书⑵灯管") only number the items of a list.
_CIRCLED = re.compile("[\u2460-\u2473\u2474-\u2487\u2488-\u249b\u24f5-\u24fe\u2776-\u2793]")
# A remark in brackets after a name ("旧电池（手机上拆下来的）", "电池(充电的)", "药盒子（空的纸盒）") says what kind
# or state the thing is: it is read in front of the name ("手机上拆下来的旧电池"), not as another item of a list.
_REMARK = re.compile(r"(?P<name>[0-9a-z\u4e00-\u9fff]+)\((?P<remark>[0-9a-z\u4e00-\u9fff]{1,12})\)")
_BRACKETS = re.compile(r"[()]")


def _remark(match: re.Match[str]) -> str:
    """ "电池(充电的)" → ",充电的电池,"; a remark that does not end in 的 gets one ("核桃皮(硬壳)" → "硬壳的核桃皮")."""
    remark = match["remark"]
    return "," + remark + ("" if remark.endswith("的") else "的") + match["name"] + ","


# A bin's name typed by sound before 垃圾 ("有海垃圾", "除余垃圾", "厨鱼垃圾", "油害垃圾", "其它垃圾"): the bin.
_BIN_SOUNDS = {"you hai": "有害", "chu yu": "厨余", "ke hui shou": "可回收", "qi ta": "其他"}
_BEFORE_BIN = re.compile("([\u4e00-\u9fff]{2,3})(?=垃圾)")
# characters read as the last syllable of a bin's name (hai, yu, shou, ta): only a word ending in one is read by sound
_BIN_LAST_SOUNDS = frozenset(
    "害海还孩亥骇嗨氦余鱼于与雨语玉予愉渔娱虞宇羽域育遇欲浴誉御裕收首手守受寿授售兽瘦他它她塔踏塌"
)
# the usual words before 垃圾, checked without reading any pinyin
_USUAL_BEFORE_BIN = frozenset(
    "有害 厨余 回收 其他 什么 哪种 哪类 生活 建筑 装修 园林 大件 这种 那种 分类 餐厨 易腐 有毒 电子 医疗 危险 这些 么的".split()
)


def _bin_by_sound(text: str) -> str:
    """Bin names typed by sound before 垃圾 become the bin's name; other words before 垃圾 stay."""

    def read(match: re.Match[str]) -> str:
        typed = match.group(1)
        for size in (3, 2):
            said = typed[-size:]
            if len(said) < size or said[-2:] in _USUAL_BEFORE_BIN or said[-1] not in _BIN_LAST_SOUNDS:
                continue
            from knowledge.pinyin import pinyin_key  # the reading table is loaded on the first such message

            meant = _BIN_SOUNDS.get(pinyin_key(said))
            if meant is not None:
                return typed[:-size] + meant
        return typed

    return _BEFORE_BIN.sub(read, text)


def normalize(text: str, *, limit: int = MAX_CHARS) -> str:
    """Clean a resident's message for matching; the result is lower-case Simplified Chinese without symbols."""
    head = text[: limit * 2]
    if _HAN_ONLY.fullmatch(head) is not None and _TRADITIONAL.isdisjoint(head) and _EMOJI_CHARS.isdisjoint(head):
        # most messages: simplified characters only, which NFKC, lower() and every step but the dialect table and
        # the phrases leave alone; when those leave characters only, nothing below would change the text
        plain = head.translate(_DIALECT)
        if (
            _HAN_ONLY.fullmatch(plain) is not None
            and _ANY_PHRASE.search(plain) is None
            and ("儿" not in plain or _ERHUA.search(plain) is None)
            and _POURED_AWAY.search(plain) is None
            and "行不" not in plain
            and _DELIVERY_APPS.search(plain) is None
        ):
            return (_bin_by_sound(plain) if "垃圾" in plain else plain)[:limit]
    if _CIRCLED.search(head) is not None and len(_CIRCLED.findall(head)) >= 2:  # "②" alone is a choice reply
        head = _CIRCLED.sub("，", head)
    text = unicodedata.normalize("NFKC", head).lower()
    if "(" in text:
        text = _BRACKETS.sub(",", _REMARK.sub(_remark, text))
    if not text.isascii() and not _TRADITIONAL.isdisjoint(text):
        import zhconv  # imported for the rare message in traditional characters only

        text = zhconv.convert(text, "zh-cn")
    if not _EMOJI_CHARS.isdisjoint(text):
        text = _emoji(text)
    if _LATIN.search(text) is not None:  # most messages are Chinese only and skip both
        toned = len(_LATIN_TONES.findall(text)) >= 2  # "cān jīn zhǐ": pinyin, whose "can" is no English word
        text = _LATIN_TONES.sub(_detone, text)
        if len(_TONE_NUMBERS.findall(text)) >= 2:  # "jiu4 bao4 zhi3": pinyin with tone numbers
            text = _TONE_NUMBERS.sub("", text)
            toned = True
        if _ENGLISH_RE is not None and not toned:
            text = _ENGLISH_RE.sub(_english, text)
    text = text.translate(_DIALECT)
    if "儿" in text:
        text = _ERHUA.sub("", text)
    if _ANY_PHRASE.search(text) is not None:  # most messages hold none (and a replacement only follows another)
        for phrase, replacement in _PHRASES:
            if phrase in text:
                text = text.replace(phrase, replacement)
    text = _POURED_AWAY.sub("扔", text)
    text = _DELIVERY_APPS.sub("外卖", text)
    if "行不" in text:
        text = _XING_BU.sub("行不行", text)
    if "垃圾" in text:
        text = _bin_by_sound(text)
    if _NUMBERED.search(text) is not None and len(_NUMBERED.findall(text)) >= 2:
        text = re.sub(r"\s*[，;；]+[\s，;；]*", "，", _NUMBERED.sub("，", text))
    text = _KEEP.sub(" ", text)
    if ".." in text:
        text = _DOTS.sub(" ", text)  # "嗯……旧拖把": an ellipsis is a pause
    if "." in text:
        text = _HAN_DOT.sub("，", text)  # "旧报纸.扔哪": a full stop typed half-width between clauses
    text = _SEP.sub("，", text)
    text = _SPACES.sub(" ", text).strip()
    if text.count(" ") >= 2 and (listed := _listed_names(text)) is not None:
        # three or more runs of two or more characters are a list of names ("旧书 旧报纸 旧杂志"), not typos
        text = text[: listed.start()] + listed.group().replace(" ", "、") + text[listed.end() :]
    if " " in text:  # a gap needs a space
        text = _CJK_GAP.sub(_gap, text)
    text = text.strip(" ，、.·")
    return text[:limit]
