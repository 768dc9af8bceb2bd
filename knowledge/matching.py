"""Pure matching: a normalized message in, the items it asks about out, each with a calibrated confidence.

Chinese compounds are head-final, so the item a resident asks about is the longest known name at the END of the
phrase ("破了的塑料凳子" → 塑料凳子). Words before it are modifiers; a known name followed by unknown words is not
the head ("牙膏皮" is not 牙膏) and is never answered as if it were. Confidence falls with what we could not read,
and drops below the answer threshold when an unknown prefix may change the bin ("电动牙刷").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from knowledge import texts
from knowledge.catalogue import LOCAL_SOURCE, RULE_SOURCE, Condition, Entry, Option, bundled_text
from knowledge.fallback import ANSWER_AT, ASK_AT, NgramModel
from knowledge.generalise import FILE as GENERALISE_FILE
from knowledge.generalise import Generaliser, Guess, Rule, read_generaliser
from knowledge.lexicon import (
    CATEGORY_WORDS,
    CITY_PREFIXES,
    CONTAINERS,
    COURIERS,
    DRUG_NAMES,
    DRUG_SUFFIXES,
    FILLER,
    FOOD_BRANDS,
    GENERIC_CONTAINERS,
    LEFTOVER_CUES,
    MATERIALS,
    MODIFIERS,
    NOT_DRUG_ENDINGS,
    PART_SUFFIXES,
    RISKY,
    SEPARATORS,
    SIZE_CATEGORIES,
    SOILED,
    SOILED_TO_OTHER,
    STAINED,
    STATE_CLAUSE,
    STATE_VERBS,
    VESSELS,
    WET,
    WET_TO_OTHER,
)
from knowledge.normalize import normalize
from knowledge.pinyin import pinyin_key
from knowledge.places import known_parts
from knowledge.segment import add_words, base_frequency, is_common_word, shared_tokenizer

ANSWER_THRESHOLD = 0.6

# Words asking where a thing goes, around a name that is also a question word ("垃圾桶扔哪").
_WHERE_WORDS = frozenset(
    "扔 丢 放 哪 哪里 哪儿 扔哪 往哪 扔到 放到 怎么 怎么扔 怎么办 怎么处理 处理 咋 咋办 弄 吗 呢 啊 呀 了 的 要 该 应该 请问 问一下 一下 是 属于 什么 啥 垃圾".split()
)
VESSEL_ENDS = frozenset("杯碗盆盘碟勺盒罐壶瓶缸桶锅架凳")  # plain things whose metal, glass or plastic decides the bin
MAX_SPAN_TOKENS = 6
USE_VERBS = frozenset("擦 抹 垫 包 盖 扫 拖 刷 洗 接 兜".split())  # "擦玻璃的抹布": the use, not the material
OBJECT_VERBS = frozenset("喝完 吃完 喝了 吃了 喝过 吃过 装过 装了 盛过 盛了 泡过 泡了".split())
SOIL_WORDS = frozenset("油 带油 油污 油渍 污渍 污染 被污染 脏 湿 沾 沾油 沾了".split())
SHELLS = frozenset("壳 壳子 硬壳 外壳 壳儿".split())  # said after the food it came from ("生蚝剩的壳")
MAX_SHELL_GAP = 4  # tokens between the food and its shell ("榴莲/外面/带刺/的/壳")
NOT_HOUSEHOLD = "非生活垃圾"
# words that make a name a toy or model of the thing ("合金小汽车", "遥控汽车", "汽车模型")
REPLICA_WORDS = ("玩具", "合金", "模型", "遥控", "仿真", "迷你", "儿童")
PESTICIDES = ("农药", "鼠药", "老鼠药", "耗子药", "蟑螂药", "灭蟑药", "杀蟑药")
NO_DRUG_HELD = re.compile("(没|没有|不是|不含|无|从没)[装放盛]?过?药")  # "没装过药的玻璃瓶"
NO_DRUG = re.compile("^(里面|里头|里边)?(没|没有|无|不含)(药|药了)$")
# measure words that are nouns after a noun: "沙发套", "窗帘杆"… "套" ends the name instead of being dropped
PACKAGING = frozenset("包装 包装盒 包装袋 包装纸 外包装 纸盒 纸袋".split())
MEDICINE_BOXES = frozenset("纸盒 纸盒子 纸壳 小纸盒 外包装盒".split())  # paper: the medicine is not in it
# after a medicine: its blister (药板), not a panel
BLISTERS = frozenset("铝塑板 铝箔板 锡箔板 铝板 塑料板 板子".split())
DEAD = frozenset("死 死了 死掉 死掉了 死的".split())  # said before an animal: the dead animal
TRAILING_NOUNS = frozenset("套 根 条 张 块 台 堆".split())
SIZE_WORDS = frozenset("大 小 大的 小的".split())  # size decides bones and fruit stones: not a mere modifier
# said after a name and closed with 的 ("药瓶子塑料的", "羊骨头大块的"): a description of the thing, as if said before it
TRAILING_DESCRIPTIONS = MATERIALS | frozenset("大 小 大块 小块 整块 大个 小个 大只 小只 大根 小根".split())
# a pesticide's packet or bag is 有害垃圾 like a bottle (domain.md: 废杀虫剂及其包装物), unlike a clean medicine carton
PESTICIDE_PACKETS = frozenset("包 袋 袋子 小包 小袋 包装 包装袋 盒 盒子 纸盒".split())
SHELL_PART_ENDS = frozenset("钳螯腿脚爪头身")  # "蟹钳壳", "虾头壳": the shell of the animal the part belongs to
# a pharmaceutical form ends the name: an imported label that is not 有害垃圾 loses to 郑州's 废药品 rule
PHARMA_FORMS = (
    "药膏",
    "软膏",
    "药水",
    "药片",
    "药丸",
    "胶囊",
    "片剂",
    "冲剂",
    "口服液",
    "糖浆",
    "滴眼液",
    "眼药水",
    "喷剂",
)
LEFTOVER = Entry(
    name="吃剩的食物",
    category="厨余垃圾",
    source=RULE_SOURCE,
    tip="剩饭剩菜沥干水分再投。",
    ref="郑州市城市生活垃圾分类管理办法：厨余垃圾包括剩菜剩饭",
)


# What "还有" can be followed by when it says what is left inside the item, not a next item ("还有油", "还有点水").
_LISTING_PARTICLES = frozenset(("啊", "呀", "哇", "嘛"))  # "鸡骨头啊鱼刺啊": said between the items of a list
# a count with its measure word ("两个", "半袋", "一堆", "3节")
_QUANTITY = re.compile(
    r"(?:[一二两三四五六七八九十几半好]+|[0-9]+)(?:大|小)?(?:个|节|根|块|袋|堆|只|件|瓶|盒|张|包|箱|桶|把|条|双|套|片|斤|摞|捆|兜"
    r"|盆|锅|碗|盘|筐|篮|缸|罐|壶|杯|提|串|颗|粒|沓|叠|打|卷|撮|簸箕|公斤|kg)"
)
_COUNT_LEAD = re.compile(r"(?:[一二两三四五六七八九十几]+|[0-9]+)(?:个|只|件|把|双|张|根|条|台|部|节|支|颗|粒)")
_NUMERAL = re.compile(r"(?:[一二两三四五六七八九十几半好]+|[0-9]+)(?:大|小)?")  # jieba's "一大" of "一大盆"
# how long ago or how long for, said after a state ("过期了/好几个/月", "放了/三天"): no part of the name
_DURATION = re.compile(
    r"(?:[一二两三四五六七八九十几半好多]+|[0-9]+)?(?:个)?(?:月|年|天|星期|礼拜|周|小时)(?:了|多|左右)?"
)
_SOME = frozenset(("一些", "些", "点", "一点"))  # "还有一些…": a quantity that may come before another item
# Names in a row that read as a list (two could be one compound the catalogue lacks: "牛奶纸盒" is a carton).
MIN_RUN_ON_NAMES = 3
MAX_RUN_ON_NAMES = 6
# Two names ending in the same part ("西瓜皮香蕉皮", "虾壳蟹壳", "猫毛狗毛") are two items: no part is made of another.
_PART_ENDS = ("皮", "壳", "核", "渣", "毛", "籽")
_OLD_STARTS = ("旧", "废", "坏", "破")
_PACKAGING_ENDS = ("瓶", "瓶子", "罐", "罐子", "盒", "盒子", "袋", "袋子", "桶", "杯", "盖", "箱", "包装")
# Material classes a resident names after the item as a guess ("卫生纸是可回收的纸吗", "保鲜膜算塑料吗"): with an
# item named before them they are the class asked about, never the item.
CLASS_WORDS = frozenset(
    "纸 纸张 废纸 塑料 塑料制品 废塑料 玻璃 金属 废金属 布 织物 布料 衣服 旧衣服 衣物 旧衣物 纺织品 废品".split()
)
# wrappers that food soils, and "包过/装过/盛过 X 的" before them ("包过煎饼果子的纸袋子")
WRAPPERS = ("纸袋", "纸袋子", "包装纸", "纸盒", "纸盒子", "塑料袋", "袋子", "纸", "盒子", "塑料盒")
_HELD = re.compile(r"(?:包过|装过|盛过|包了|装了|盛了)(?P<food>[^的，]{1,8})的$")
OUTER_BOXES = ("包装盒", "盒子", "箱子", "袋子", "盒", "箱", "袋")  # a product's outer box or bag
# Where an outer part sits on the thing it wraps ("感冒药外面的纸盒子"): no name.
OUTSIDE = frozenset("外面 外边 外头 外层 外部 最外面 最外层 外包装的".split())
STILL_HOLDS = frozenset("油 剩 水 汤 残留 点 一点 一些 些 液体 汁 剩油".split())
# Said of a container, it still holds what it held ("没喝完的牛奶盒", "还剩半瓶的可乐瓶子"): clean or not is unsaid.
_CONTENTS_LEFT = re.compile(
    "没(?:喝|吃|用|倒)(?:完|干净|空)|还剩|剩(?:了|下)?(?:一)?(?:半|点|些)|(?:一)?半(?:瓶|盒|罐|桶|杯|袋)|还有(?:一)?半"
    "|(?:里|里面|里头|里边)(?:还有|有剩)|^还有|还有(?:奶|水|汤|饮料|酒|剩|点|一点|些)|喝了(?:一)?半|吃了(?:一)?半|装着"
)
_IN_ITS_BOTTLE = re.compile("半(?:瓶|杯)")  # "还剩半瓶的白酒": a drink said by the bottle it is left in
CONTENT_HOLDERS = ("瓶", "瓶子", "盒", "盒子", "罐", "罐子", "桶", "杯", "杯子", "壶", "包", "袋", "袋子", "罐头")
# A small packet named after what is sealed in it ("干燥剂那小包包"): the packet is that thing, never a handbag.
PACKETS = frozenset("包 包包 小包 小包包 小袋 小袋子 小纸包 纸包".split())
WRAPPINGS = frozenset("包装 小包装 外包装 包装袋 包装纸".split())  # a product's wrapping is never the product


_BIN_WORDS = re.compile("|".join(map(re.escape, sorted(CATEGORY_WORDS, key=len, reverse=True))))


@dataclass
class Found:
    """One phrase of the message and the item it names (or not)."""

    query: str  # the phrase's content, as typed (normalized)
    phrase: str  # the whole phrase, for condition words
    entry: Entry | None = None
    surface: str = ""  # the matched name or alias
    how: str = "none"  # exact | head | homophone | contains | none
    confidence: float = 0.0
    option: Option | None = None
    needs_kind: bool = False
    condition: Condition | None = None
    condition_stated: bool = False
    explicit_separator: bool = True  # the phrase was split off by 和/、 rather than a comma
    guesses: tuple[str, ...] = ()  # the two likeliest bins of an unknown name, to ask which one
    denied: bool = False  # the kind or state was read from a state said as absent ("没油的"), not named
    contents_left: bool = False  # a recyclable container said to still hold food or drink: ask, the guesses say how

    @property
    def answered(self) -> bool:
        """True when the item is known well enough to state its bin."""
        return self.entry is not None and self.confidence >= ANSWER_THRESHOLD


_CHUNK_BREAKS = FILLER | frozenset(CATEGORY_WORDS)  # question and bin words split a phrase into chunks
# one search per word list instead of a substring test per word
_SOILED, _WET, _WET_TO_OTHER, _SOILED_TO_OTHER = (
    re.compile("|".join(map(re.escape, words))) for words in (SOILED, WET, WET_TO_OTHER, SOILED_TO_OTHER)
)
# characters that open a state clause after a name besides STATE_CLAUSE's words ("外买盒子沾了油", "带油")
_STATE_STARTS = frozenset("沾粘带淋泡脏")
_DENIED = re.compile(r"(?:没有|没|不|无|未)(?:是)?(?:怎么|太|很|大|咋)?$")


class Matcher:
    """Finds catalogue items in messages; built once from the catalogue and shared (read-only)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.by_surface: dict[str, Entry] = {}
        self.conflicts: set[str] = set()  # imported spellings that normalize alike but disagree ("碎纸"/"碎紙")
        for entry in entries:
            for surface in {normalize(s) for s in entry.surfaces}:
                current = self.by_surface.get(surface)
                # a local rule wins over an imported row for the same word
                if current is None or (entry.source == LOCAL_SOURCE and current.source != LOCAL_SOURCE):
                    self.by_surface[surface] = entry
                elif current.source == entry.source and current.category != entry.category:
                    self.conflicts.add(surface)
        self.max_len = max((len(s) for s in self.by_surface), default=1)
        self.tokenizer = shared_tokenizer()
        add_words((*FILLER, *MODIFIERS, *RISKY, *CATEGORY_WORDS, *SEPARATORS), freq=200, only_new=True)
        add_words((*FOOD_BRANDS, *COURIERS, *DRUG_NAMES), freq=2000, only_new=True)
        add_words(CITY_PREFIXES, floor=2000)  # jieba knows 新密 too rarely to keep it from "新" + "密"
        # a town whose name holds a list word ("和庄镇"): one word, never "和" + "庄镇" listed as an unknown item
        add_words((t for t in known_parts() if any(ch in t for ch in "和与及跟")), floor=2000)
        add_words((s for s in self.by_surface if not s.isascii()), floor=2000)
        self._pinyin: dict[str, set[str]] | None = None
        self._fuzzy: dict[str, set[str]] | None = None
        self._model: NgramModel | None = None  # trained on the first name nothing else can place
        self._rules: Generaliser | None = None  # read on first use, per snapshot (so `wufei kb reload` re-reads it)

    def tokenize(self, text: str) -> list[str]:
        """Segment with jieba (dictionary only, no HMM guessing) using the catalogue as a user dictionary."""
        return self.tokenizer.words(text)

    def find(self, text: str, tokens: list[str] | None = None) -> list[Found]:
        """The phrases of a normalized message that name something, each matched against the catalogue."""
        tokens = self.tokenize(text) if tokens is None else tokens
        if not GENERIC_CONTAINERS.isdisjoint(tokens):
            tokens = self._container_glued_off(tokens)
        tokens = _join_negated_able(self._split_run_on_names(tokens))
        results: list[Found] = []
        phrase: list[str] = []
        explicit = False
        last = len(tokens) - 1
        for i, token in enumerate(tokens):
            if token not in SEPARATORS:
                phrase.append(token)
            elif (
                token == "还有"
                and (phrase or results)
                and i < last
                and tokens[i + 1] in STILL_HOLDS
                and not (tokens[i + 1] in _SOME and i + 1 < last and self._names_thing(tokens[i + 2]))
            ):
                # "油桶里面还有(一些)油": what is left inside, not a second item ("还有一些纸箱子" lists one)
                phrase.append(token)
            else:
                found = self._match_phrase(phrase)
                if found is not None:
                    found.explicit_separator = explicit or token != "，"
                    results.append(found)
                phrase = []
                explicit = token != "，"
        found = self._match_phrase(phrase)  # the message ends the last phrase as a comma would
        if found is not None:
            found.explicit_separator = explicit
            results.append(found)
        if len(results) == 2 and (told := self._kind_said_after(results)) is not None:
            results = [told]  # "电池扔哪，手机上的": the second clause says which battery
        if len(results) >= 2:
            self._parts_of_listed_whole(results, text)
        self._read_whole_message(results, text)
        for found in results:
            self._contents_left(found)
        return results

    def _container_glued_off(self, tokens: list[str]) -> list[str]:
        """ "用剩的油/桶", "炸过的油/桶": jieba glued the end of a container's name to a name before it (a state said
        with the contents); the container named by the last characters and the container word wins ("油桶")."""
        out: list[str] = []
        for i, token in enumerate(tokens):
            before = out[-1] if out else ""
            if i and token in GENERIC_CONTAINERS and len(before) >= 2 and before in self.by_surface:
                for cut in range(1, len(before)):
                    name = before[cut:] + token
                    if (
                        before[cut - 1] == "的"  # only a state said before it ("天那水/瓶子" is no 天那 + 水瓶子)
                        and name in self.by_surface
                        and self.by_surface[name] is not self.by_surface[before]
                    ):
                        out[-1:] = [*self.tokenize(before[:cut]), name]
                        break
                else:
                    out.append(token)
                continue
            out.append(token)
        return out

    def _kind_said_after(self, results: list[Found]) -> Found | None:
        """An item whose kind decides the bin, then a clause of its own ending in 的 that names the kind ("电池扔哪，
        手机上的"): the item of that kind, when the clause read before the name answers it."""
        first, second = results
        if second.explicit_separator or not second.phrase.endswith("的") or not first.needs_kind or not first.query:
            return None
        found = self._match_phrase(self.tokenize(second.phrase + first.query))
        if found is None or not found.answered or found.needs_kind:
            return None
        return found

    def _parts_of_listed_whole(self, results: list[Found], text: str) -> None:
        """ "奶茶杯、珍珠、吸管": an item of a list that a listed whole's local rule names as its part is that part (the
        milk tea's pearls, not a pearl necklace); an item a local rule answers on its own keeps its answer."""
        wholes = []
        for f in results:
            if f.entry is not None and f.answered:
                whole = f.entry if f.entry.parts else self._whole_with_parts(f.surface)
                if whole is not None:
                    wholes.append((f, whole))
        used: set[int] = set()
        for i, f in enumerate(results):
            for owner, whole in wholes:
                named = owner is not f and any(
                    f.query in re.split(r"[、，,等]", p.part) for p in whole.parts
                )  # the part's own name only: "珍珠项链" is no part of 奶茶
                part = part_named(whole, f.query) if named else None
                if part is not None:
                    used.add(id(owner))  # a part with its own bin: "包装" of 过期食品 (按材质) says nothing
                if f.entry is not None and f.entry.source == LOCAL_SOURCE and f.answered and not f.needs_kind:
                    break  # "吸管" has its own rule
                if part is not None:
                    found = Found(query=f.query, phrase=f.phrase, explicit_separator=f.explicit_separator)
                    self._accept(found, part, f.query, 0.85, "part")
                    results[i] = found
                    break
        for i in range(len(results) - 1, -1, -1):
            f = results[i]
            after = results[i + 1] if i + 1 < len(results) else None
            # "喝完的奶茶，杯子和珍珠", "吸管、珍珠…？奶茶里的": the whole in a clause of its own only says whose
            # parts they are; "奶茶和珍珠" lists it as an item
            clause = f.phrase + "，" in text if after is not None else "，" + f.phrase in text
            if id(f) in used and f.entry is not None and f.entry.parts and clause:
                del results[i]

    def _names_thing(self, token: str) -> bool:
        """A catalogue name of two or more characters that is not what a container still holds ("油", "剩油")."""
        return len(token) >= 2 and token not in STILL_HOLDS and token in self.by_surface

    def _split_between_names(self, tokens: list[str]) -> list[str]:
        """ "旧报纸啊易拉罐啊", "三个易拉罐两个玻璃瓶": a particle or a new quantity between two names starts the next
        item ("五号电池两节" ends with its quantity, nothing after it)."""
        out = [tokens[0]]
        for i in range(1, len(tokens)):
            token = tokens[i]
            listing = token in _LISTING_PARTICLES
            between = (
                i < len(tokens) - 1
                and (listing or _QUANTITY.fullmatch(token) is not None)
                and self._names_thing(tokens[i - 1])
                and self._names_thing(tokens[i + 1])
            )
            if between:
                out.append("、")  # the particle becomes the separator; a quantity stays with the item it counts
            if not (between and listing):
                out.append(token)
        return out

    def _split_run_on_names(self, tokens: list[str]) -> list[str]:
        """ "虾壳蟹壳贝壳扔哪": three or more names typed without separators are a list, not one compound name; so are
        two that end in the same part ("西瓜皮香蕉皮")."""
        names = sum(map(self.by_surface.__contains__, tokens)) if len(tokens) >= 2 else 0
        if names < 2:
            return tokens  # most messages: fewer names than a list needs (counted in one C-level pass)
        tokens = self._split_between_names(tokens)
        if names < MIN_RUN_ON_NAMES and not any(map(_same_part, pairwise(tokens))):
            return tokens
        out: list[str] = []
        run: list[str] = []
        for token in [*tokens, "，"]:
            if len(token) >= 2 and token in self.by_surface:
                run.append(token)
                continue
            if (
                # "电池电池电池…" a thousand times is no list
                (MIN_RUN_ON_NAMES <= len(run) <= MAX_RUN_ON_NAMES or (len(run) == 2 and _same_part(run)))
                and not run[-1].endswith(_PACKAGING_ENDS)  # "黄桃罐头玻璃瓶" is the jar the peaches came in
                and not any(a + b in self.by_surface for a, b in pairwise(run))
            ):
                out.extend(t for name in run for t in (name, "、"))
                out.pop()
            else:
                out.extend(run)
            run = []
            out.append(token)
        out.pop()
        return out

    def _read_whole_message(self, results: list[Found], text: str) -> None:
        """Conditions said in another clause count ("一次性塑料碗，吃完带油的"), for a message about one item."""
        named = [f for f in results if f.entry is not None]
        if len(named) != 1:
            return
        found = named[0]
        assert found.entry is not None
        if found.phrase != text:
            found.phrase = text
            self._accept(found, found.entry, found.surface, found.confidence, found.how)
        if found.entry.category != "可回收物" or found.entry.conditions:
            return  # only a recyclable name without states of its own turns soiled or wet below
        rest = text.replace(found.surface, "")
        soiled = _SOILED.search(rest) is not None
        wet = (
            not soiled
            and _WET.search(rest) is not None
            and _WET.search(_without_bin_words(rest)) is not None  # "湿垃圾" names a bin, not a wet thing
            and _WET_TO_OTHER.search(found.surface) is not None
        )
        if soiled or wet:
            if wet or _SOILED_TO_OTHER.search(found.surface) is not None:
                # soiled plastic or paper is 其他垃圾 (郑州: 污损塑料、污损纸)
                entry = Entry(
                    name=found.entry.name,
                    category="其他垃圾",
                    source=RULE_SOURCE,
                    tip=texts.WET_TIP if wet else texts.SOILED_TIP,
                    ref="郑州市城市生活垃圾分类管理办法（其他垃圾：污损塑料、污损纸）",
                )
                found.entry, found.how, found.confidence = entry, "soiled", 0.75
            else:
                found.confidence = min(found.confidence, 0.5)  # a greasy metal or glass thing: do not guess

    # -- one phrase -------------------------------------------------------------------------------------------

    def _match_phrase(self, tokens: list[str]) -> Found | None:
        """Question words split a phrase into chunks; the best-matched chunk names the item."""
        phrase = "".join(tokens)
        candidates: list[Found] = []
        chunk: list[str] = []
        for token in tokens:
            if token not in _CHUNK_BREAKS:
                chunk.append(token)
            elif chunk:
                if (f := self._match_chunk(chunk, phrase)) is not None:
                    candidates.append(f)
                chunk = []
        if chunk and (f := self._match_chunk(chunk, phrase)) is not None:
            candidates.append(f)
        if not candidates:
            return self._named_question_word(tokens, phrase)
        if (typed_last := self._last_character_typed(tokens, phrase)) is not None:
            return typed_last
        if len(candidates) == 1 and candidates[0].answered:
            return candidates[0]  # the usual phrase: one chunk, answered (what the rules below come to)
        if _class_word(candidates[-1].query):
            # "卫生纸是可回收的纸吗", "内裤算旧衣服吗": the class the resident guesses, not the item named before it
            named = [f for f in candidates[:-1] if f.entry is not None and f.how != "contains"]
            if named:
                return named[-1]
        held = self._bottle_in_box(candidates, phrase)
        if held is not None:
            return held  # "染发剂盒子里的瓶子", "药盒里的瓶子": the bottle of what the box held
        if candidates[-1].query in PACKETS:
            return _sealed_in(candidates[:-1]) or candidates[-1]  # "干燥剂那小包包": the desiccant, not a handbag
        if candidates[-1].query in WRAPPINGS and _food_before(candidates[:-1]):
            return candidates[-1]  # "薯片那小包装": the wrapping, not the crisps
        answered = [f for f in candidates if f.answered]
        part = self._part_of_earlier(candidates)
        if part is not None:
            return part  # "奶茶里的珍珠": the pearls of the milk tea, not a pearl necklace
        if answered and answered[-1] is not candidates[-1] and _inside_of(answered[-1], candidates[-1], phrase):
            # "厕所里的纸篓": the topic comes last and is unknown; the place or owner before it is not the answer
            return candidates[-1]
        while len(answered) > 1 and _stain_or_content(answered[-1], phrase):
            answered.pop()  # "泡沫盒子装水果的…沾了果汁": the fruit it held and the juice on it, not the item
        if answered:
            return answered[-1]  # the topic comes last: "遥控器里的7号干电池" asks about the battery
        best = max(candidates, key=lambda f: (f.entry is not None, f.confidence, len(f.query)))
        retry = self._typo_in_phrase(tokens, phrase)
        return retry if retry is not None else best

    def _bottle_in_box(self, candidates: list[Found], phrase: str) -> Found | None:
        """A bare bottle or can inside the box of a hazardous product ("农药箱子里的空瓶子") is that product's bottle."""
        last = candidates[-1]
        if (
            len(candidates) < 2
            or "里" not in phrase
            or last.query.removeprefix("空").removeprefix("小") not in CONTAINERS
        ):
            return None
        box = candidates[-2].query
        product = next((box.removesuffix(b) for b in OUTER_BOXES if box.endswith(b) and len(box) > len(b)), "")
        if not product:
            return None
        held = self._match_chunk([*self.tokenize(product), last.query], phrase)
        if held is None or not held.answered or held.entry is None or held.entry.category != "有害垃圾":
            return None  # only a hazard travels with its bottle; "饼干盒里的瓶子" is just a bottle
        return held

    def _last_character_typed(self, tokens: list[str], phrase: str) -> Found | None:
        """ "快递纸想": a name's last character typed by sound as a filler word ends the message (想 for 箱); the longer
        name it sounds like is meant, not the shorter one before the filler."""
        if len(tokens) < 2 or len(tokens[-1]) != 1 or tokens[-1] not in FILLER or tokens[-2] in _CHUNK_BREAKS:
            return None
        start = len(tokens) - 1
        while start > 0 and tokens[start - 1] not in _CHUNK_BREAKS:
            start -= 1
        words = tokens[start:]
        text = "".join(words)
        starts = {len("".join(words[:i])) for i in range(len(words) - 1)}
        hit = self._homophone(text, starts)
        if hit is None or len(hit[1]) < 3 or hit[1][:-1] != hit[2][:-1]:
            return None  # only the filler itself may differ from the name it sounds like
        entry, surface, _ = hit
        found = Found(query=text, phrase=phrase)
        self._accept(found, entry, surface, 0.7, "homophone")
        return found

    def _part_of_earlier(self, candidates: list[Found]) -> Found | None:
        """The last chunk names a part the local rule of an earlier chunk lists ("奶茶" + "珍珠" → its 厨余 part)."""
        if len(candidates) < 2:
            return None
        last = candidates[-1]
        for earlier in candidates[-2::-1]:
            entry = earlier.entry
            if entry is not None and earlier.answered and not entry.parts:
                entry = self._whole_with_parts(earlier.surface)  # "奶茶杯/里/剩下的珍珠": the cup of 奶茶
            if entry is None or not earlier.answered or not entry.parts:
                continue
            part = part_named(entry, last.query)
            if part is not None:
                found = Found(query=last.query, phrase=last.phrase)
                self._accept(found, part, last.query, 0.85, "part")
                return found
        return None

    def _match_chunk(self, chunk: list[str], phrase: str) -> Found | None:
        content = _trim(chunk)
        if not content:
            return None
        if len(content) >= 2 and chunk[-1] == "的" and content[-1] in TRAILING_DESCRIPTIONS:
            content = [content[-1], "的", *content[:-1]]  # "空的药瓶子塑料的" is "塑料的/空的药瓶子"
        query = "".join(content)
        first = content[0]
        if (
            (first.isdigit() or (len(first) == 1 and not first.isalnum()))  # most chunks start with a word
            and all(t.isdigit() or (len(t) == 1 and not t.isalnum()) for t in content)
            and (query not in self.generaliser.vocab and query not in self.by_surface)
        ):
            return None  # a number is a choice or a quantity, unless it names a thing ("84" disinfectant)
        if NO_DRUG.match(query):
            return None  # "（纸的，里面没药）": says what is not there, names nothing
        found = Found(query=query, phrase=phrase)
        head = self._head(content)
        if head is not None and "的" in head[2]:
            joined = self._head([t for t in content if t != "的"])  # "狗狗的便便" names the local rule's 狗狗便便
            if (
                joined is not None
                and len(joined[1]) > len(head[1])
                and (joined[0].source == LOCAL_SOURCE or (len(head[1]) == 1 and _joins_said_words(joined[1], head)))
            ):
                head = joined  # "擤鼻涕的纸" is the listed 鼻涕纸, not a bare 纸 after unknown words
        if head is None and (content[0] in DEAD or "死" in phrase[: max(0, phrase.rfind(query))]):
            # "死了的小鸟", "死掉的麻雀": 死 decides (a dead animal, not a pet); the rule names 死小鸟
            rest = [t for t in content if t not in DEAD and t not in ("了", "的", "掉", "掉了")]
            dead = self.by_surface.get("死" + "".join(rest)) if rest else None
            if dead is not None:
                head = dead, "死" + "".join(rest), []
        if head is None and "的" in content:
            # "扇贝的壳", "榴莲的壳": a name said with 的 inside it is that name, when nothing else stands before it
            joined = self._head([t for t in content if t != "的"])
            if joined is not None and all(t in MODIFIERS for t in joined[2]):
                head = joined
        if head is None or head[1] in SHELLS:
            head = self._shell_of(content) or head
        if (
            head is not None
            and head[2]
            and len(query) <= 4
            and not any(t in MODIFIERS or t in self.by_surface for t in head[2])
            and (sound := self._homophone(query, {0})) is not None
            and len(sound[1]) > len(head[1])
        ):
            # "手鸡", "耳鸡": a short word typed by sound is the longer name it sounds like, not its last character
            self._accept(found, sound[0], sound[1], 0.7, "homophone")
            return found
        if head is not None and self._purpose(head[2]):
            head = _without_purpose(head)  # "擦玻璃的抹布": the purpose names no material of the cloth
        if head is not None and len(head[2]) >= 2 and head[2][-1] in OBJECT_VERBS and head[1] + "的" in phrase:
            # "一次性纸杯喝完咖啡的": the clause says what was drunk from the cup; the cup is the item
            head = self._head(_trim(head[2][:-1])) or head
        if head is not None and head[2]:
            head = self._part_after_whole(*head)
        elif head is None and len(content) > 1:
            head = self._part_after_whole(None, content[-1], content[:-1])
        if head is not None:
            head = self._local_over_imported(*head)
            head = self._medicine_box(*head)
            if NO_DRUG_HELD.search(phrase) is None:
                head = self._medicine_bottle(*head)
            head = self._product_container(*head)
            head = self._holder_name(*head)
        if head is not None and (drug := self._imported_drug(head[0], head[1])) is not None:
            self._accept(found, drug, head[1], 0.8, "drug")  # "眼药膏": 郑州 lists 废药品 as 有害垃圾
        elif head is not None:
            entry, surface, prefix = head
            hazard = self._hazardous_content(entry, surface, prefix)
            if hazard is None and len(content) > 1 and surface != content[-1] and entry.category != "有害垃圾":
                # the name swallowed the end of the product ("香蕉水/的/瓶子" read as 水瓶子): the product decides
                hazard = self._hazardous_content(None, content[-1], content[:-1])
            if hazard is not None:
                self._accept(found, hazard, self._product_surface(content, hazard), 0.8, "container")
            else:
                how = "exact" if not prefix else "head"
                self._accept(found, entry, surface, self._prefix_confidence(entry, surface, prefix), how)
        elif (box := self._medicine_part(content)) is not None:
            self._accept(found, box, content[-1], 0.8, "drug")  # "胶囊/铝板": the blister of a medicine
        elif (drug := self._drug(content)) is not None:
            self._accept(found, drug, drug.name, 0.8, "drug")
        elif len(content) > 1 and content[-1] in CONTAINERS and (drug := self._drug(content[:-1])) is not None:
            self._accept(found, drug, drug.name, 0.8, "drug")  # "药膏/管": a medicine's tube or bottle goes with it
        elif content[-1] in VESSELS and (material := self._material(None, content[-1], content[:-1])) is not None:
            self._accept(found, material, content[-1], 0.75, "material")
        elif (lead := self._name_before_state(content)) is not None:
            entry, surface, prefix = lead  # "快递纸箱淋雨了": the name, then what happened to it
            self._accept(found, entry, surface, min(0.9, self._prefix_confidence(entry, surface, prefix)), "state")
        elif (
            len(content) > 1 and content[-1] in PART_SUFFIXES and (part := self._head(_trim(content[:-1]))) is not None
        ):
            entry, surface, prefix = part  # "蜡笔头" goes where 蜡笔 goes
            self._accept(found, entry, surface, min(0.85, self._prefix_confidence(entry, surface, prefix)), "part")
        elif (content[-1] in CONTAINERS or content[-1] in PESTICIDE_PACKETS) and (
            hazard := self._hazardous_content(None, content[-1], content[:-1])
        ):
            self._accept(found, hazard, self._product_surface(content, hazard), 0.8, "container")
        else:
            self._fallback(found, content)
        self._generalise(found, content)
        if not found.answered and any(cue in phrase for cue in LEFTOVER_CUES) and self._plain_food(content):
            self._accept(found, LEFTOVER, LEFTOVER.name, 0.65, "leftover")
        return found

    def _contents_left(self, found: Found) -> None:
        """A recyclable container that still holds its food or drink ("没喝完的牛奶盒") is recyclable only once it is
        emptied and rinsed (domain.md: soiled or with contents is not clean): ask which, never answer 可回收物."""
        entry = found.entry
        if (
            entry is None
            or not found.answered
            or found.option is not None
            or entry.conditions  # the rule reads what is left itself ("油桶里还有一些油")
            or _CONTENTS_LEFT.search(found.phrase) is None
        ):
            return
        if entry.category == "可回收物" and found.surface.endswith(CONTENT_HOLDERS):
            if len(found.surface) >= 2 and found.query.endswith(found.surface):
                found.query = found.surface  # "还有奶的牛奶盒": asked about the 牛奶盒
        elif entry.category == "厨余垃圾" and (bottle := _IN_ITS_BOTTLE.search(found.phrase)) is not None:
            found.query = found.surface + bottle.group()[-1]  # "喝剩下的半瓶可乐": the 可乐瓶, once poured out
        else:
            return
        found.entry, found.surface, found.how, found.confidence = None, "", "none", 0.0
        found.guesses, found.contents_left = ("可回收物", "其他垃圾"), True

    def _holder_name(self, entry: Entry, surface: str, prefix: list[str]) -> tuple[Entry, str, list[str]]:
        """The thing named first and the head said after it ("自行车/换下来的/旧轮胎") may join into a listed name
        (自行车轮胎) more specific than the head; a small packet after a product is that product ("干燥剂那小包包")."""
        core = surface[1:] if len(surface) > 2 and surface[0] in "旧废坏破空" else surface
        for i, token in enumerate(prefix):
            holder = self.by_surface.get(token) if len(token) >= 2 and token not in MODIFIERS else None
            if holder is None:
                continue
            if surface in PACKETS:
                if _sealed(holder, token):
                    return holder, token, prefix[:i]  # the packet is sealed with what is in it (干燥剂, 暖宝宝)
                continue
            for name in (token + core, token + core.removesuffix("子"), token.removesuffix("子") + core):
                joined = self.by_surface.get(name)
                if joined is not None and len(name) > len(surface):
                    return joined, name, [*prefix[:i], *(t for t in prefix[i + 1 :] if t in MODIFIERS)]
        return entry, surface, prefix

    def _local_over_imported(self, entry: Entry, surface: str, prefix: list[str]) -> tuple[Entry, str, list[str]]:
        """An imported name that is a state-reading local rule's name behind mere modifiers ("普通塑料袋") gets the rule.

        The imported (Shanghai) label of such a phrase would overrule 郑州's rule for the same thing; words that may
        change the bin ("拖布头", "大排骨") keep the imported, more specific row.
        """
        if entry.source == LOCAL_SOURCE:
            return entry, surface, prefix
        plain = self.by_surface.get(surface[:-1]) if surface.endswith("子") else None
        if (
            plain is not None
            and plain.source == LOCAL_SOURCE
            and (plain.category != entry.category or plain.conditions or plain.kinds)
        ):
            return plain, surface[:-1], prefix  # "塑料袋子" is 塑料袋; "快递盒子" reads 快递盒's states (湿透了)
        for cut in range(1, len(surface) - 1):
            local = self.by_surface.get(surface[cut:])
            if local is None or local.source != LOCAL_SOURCE:
                continue
            if not local.kinds and not local.conditions:
                break  # a rule that reads no state: the imported, more specific row stands ("碎布头", "旧橱柜")
            # a state the local rule reads ("脏", "干净") may stand before the name; a kind word may not: the
            # imported row already names the kind ("碱电池", "鸡腿骨头")
            deciding = [w for c in local.conditions for w in c.words]
            words = self.tokenize(surface[:cut])
            if all((w in MODIFIERS and w not in SIZE_WORDS) or any(d in w for d in deciding) for w in words):
                return local, surface[cut:], [*prefix, *words]
            break
        return entry, surface, prefix

    def _purpose(self, prefix: list[str]) -> bool:
        """The words before a name say what it was used for ("擦/玻璃/的"), and nothing hazardous ("包过农药的")."""
        if len(prefix) < 3 or prefix[0] not in USE_VERBS or "的" not in prefix[2:]:
            return False
        named = [self.by_surface[t] for t in prefix if t in self.by_surface]
        return not any(e.category == "有害垃圾" for e in named) and self._drug(prefix) is None

    def _shell_of(self, content: list[str]) -> tuple[Entry, str, list[str]] | None:
        """ "烤生蚝剩的壳", "榴莲外面带刺的壳": a shell or hull said after its food is the catalogue's "X壳"."""
        if len(content) < 2 or content[-1] not in SHELLS:
            return None
        for i in range(len(content) - 2, max(-1, len(content) - 2 - MAX_SHELL_GAP), -1):
            word = content[i]
            for start in range(len(word) - 1):  # "山核桃" → 核桃壳
                shell = self.by_surface.get(word[start:] + "壳")
                if shell is not None:
                    return shell, word[start:] + "壳", content[:i]
                whole = self.by_surface.get(word[start:])
                if whole is not None and whole.parts:  # "海蛎的壳": the shell part of the rule that splits it up
                    names = [n for p in whole.parts for n in re.split(r"[、，,等]", p.part) if "壳" in n]
                    part = part_named(whole, names[0]) if names else None
                    if part is not None:
                        return part, word[start:] + "壳", content[:i]
        food = "".join(content[:-1])
        if len(food) >= 2 and food[-1] in SHELL_PART_ENDS:  # "蟹钳壳", "虾脚的壳": the animal's shell (蟹壳)
            for start in range(max(0, len(food) - 1 - MAX_SHELL_GAP), len(food) - 1):
                shell = self.by_surface.get(food[start:-1] + "壳")
                if shell is not None:
                    return shell, food[start:-1] + "壳", self.tokenize(food[:start])
        return None

    def _part_after_whole(
        self, entry: Entry | None, surface: str, prefix: list[str]
    ) -> tuple[Entry, str, list[str]] | None:
        """ "奶茶杯底剩的珍珠": a part named after the thing a local rule splits up is that rule's part."""
        if entry is not None and entry.source == LOCAL_SOURCE:
            return entry, surface, prefix
        for token in reversed(prefix):
            whole = self._whole_with_parts(token)
            if whole is not None and (part := part_named(whole, surface)) is not None:
                return part, surface, prefix
        return (entry, surface, prefix) if entry is not None else None

    def _whole_with_parts(self, word: str) -> Entry | None:
        """The rule listing parts that `word` names or starts with ("奶茶杯" starts with 奶茶)."""
        for n in range(len(word), 1, -1):
            whole = self.by_surface.get(word[:n])
            if whole is not None and whole.parts:
                return whole
        return None

    def _product_container(self, entry: Entry, surface: str, prefix: list[str]) -> tuple[Entry, str, list[str]]:
        """A product before a bare bottle ("沐浴露/空瓶") is the catalogue's bottle of that product ("沐浴露瓶")."""
        if surface not in CONTAINERS or not prefix:
            return entry, surface, prefix
        said = len(prefix)
        while said > 1 and prefix[said - 1] in MODIFIERS:
            said -= 1  # "洗发水/用完的/空瓶": the state said between the product and its bottle
        product = prefix[said - 1]
        for end in (surface.removeprefix("空").removesuffix("子"), "瓶"):
            named = self.by_surface.get(product + end)
            if named is not None:
                return named, product + surface, [*prefix[: said - 1], *prefix[said:]]
        named = self.by_surface.get(product)
        if named is not None and named.source == LOCAL_SOURCE and _states_cover_bottle(named):
            # "粉底液瓶子": the 化妆品 rule reads its own bottle's state (用完并洗净的空瓶), so it answers or asks
            return named, product + surface, [*prefix[: said - 1], *prefix[said:]]
        return entry, surface, prefix

    def _medicine_box(self, entry: Entry, surface: str, prefix: list[str]) -> tuple[Entry, str, list[str]]:
        """A paper box or blister named after a medicine ("感冒药的纸盒子", "药吃完剩下的铝塑板") is 药盒 or 药板."""
        target = "药盒" if surface in MEDICINE_BOXES else "药板" if surface in BLISTERS else None
        box = self.by_surface.get(target) if target else None
        if box is None:
            return entry, surface, prefix  # most names: no box or blister
        named = [
            t
            for t in prefix
            if t != "的" and t not in STATE_CLAUSE and t.rstrip("的") not in STATE_CLAUSE and t not in OUTSIDE
        ]  # "感冒药外面的纸盒子": where the box sits says nothing of the medicine
        if not named or self._drug(named) is None:
            return entry, surface, prefix
        return box, surface, [t for t in prefix if t in MODIFIERS]

    def _medicine_bottle(self, entry: Entry, surface: str, prefix: list[str]) -> tuple[Entry, str, list[str]]:
        """A bottle of any material that held a medicine ("装过药的小棕色玻璃瓶") is 药瓶 (郑州: 废药品及其包装物)."""
        bottle = self.by_surface.get("药瓶")
        if bottle is None or entry.category == "有害垃圾" or not surface.endswith(("瓶", "瓶子")):
            return entry, surface, prefix
        named = [t for t in prefix if t not in MODIFIERS and t != "的"]
        # a medicine ("药", "感冒药"), not a pesticide with its own bottle rule ("农药瓶", "老鼠药")
        drugs = [t for t in named if self._drug([t]) is not None and not t.endswith(PESTICIDES)]
        if not drugs or self.by_surface.get(drugs[-1], bottle).category != "有害垃圾":
            return entry, surface, prefix
        return bottle, surface, [t for t in prefix if t in MODIFIERS]

    def _name_before_state(self, content: list[str]) -> tuple[Entry, str, list[str]] | None:
        """A known name followed by a clause about its state ("牛棒骨/熬完汤", "快递纸箱/淋雨"), not by a container."""
        for cut in range(len(content) - 1, 0, -1):
            rest = "".join(content[cut:])
            if rest.startswith("子") and not rest.startswith(STATE_CLAUSE):
                rest = rest[1:]  # "瓷勺/子/摔碎了": a name + 子 is the name (jieba cut the 子 off)
            if not rest.startswith(STATE_CLAUSE) and rest not in STATE_VERBS:
                continue
            if (
                rest[-1] in VESSEL_ENDS
                or rest.endswith(tuple(GENERIC_CONTAINERS | PACKAGING))
                or rest in self.by_surface
            ):
                return None  # "吃剩的饭盒": the clause ends with the thing asked about
            if "的" in rest and rest.rsplit("的", 1)[1] not in ("", *STATE_VERBS):
                return None  # "电动牙刷换下来的刷头": a part named after the clause is what is asked about
            head = self._head(_trim(content[:cut]))
            if "的" in content[:cut] and (head is None or "的" in head[2]):
                # "披萨的盒子/有油": a local rule's name said with 的 inside it, as in _match_chunk
                joined = self._head([t for t in _trim(content[:cut]) if t != "的"])
                longer = joined is not None and (head is None or len(joined[1]) > len(head[1]))
                if joined is not None and longer and joined[0].source == LOCAL_SOURCE:
                    head = joined
            if head is not None:
                head = self._local_over_imported(*head)  # "快递盒子/湿透了" reads 快递盒's states
                head = self._product_container(*head)  # "洁厕灵/空瓶子/冲干净了" is 洁厕灵's bottle
            if head is not None and all(t in FOOD_BRANDS or t in COURIERS or t == "的" for t in head[2]):
                return head  # nothing, or only a brand, before the name ("老干妈的玻璃瓶/洗了")
            if head is not None and self._purpose(head[2]):
                return _without_purpose(head)  # what it was used for ("擦玻璃的/旧抹布/脏了"): not its material
        return None

    def _hazardous_content(self, entry: Entry | None, surface: str, prefix: list[str]) -> Entry | None:
        """The hazardous product whose container this is ("农药瓶子" → 农药), if any."""
        if entry is not None and entry.category == "有害垃圾":
            return None
        packet = surface in PESTICIDE_PACKETS and any(t.endswith(PESTICIDES) for t in prefix)
        if surface not in CONTAINERS and not packet:
            return None
        hazards = [self.by_surface[t] for t in prefix if t in self.by_surface]
        hazards = [e for e in hazards if e.category == "有害垃圾" and not e.kinds]
        if packet:
            return hazards[-1] if hazards else None  # "耗子药包": the poison's packet, not any bag
        if hazards:
            return hazards[-1]
        named = [t for t in prefix if t not in MODIFIERS]
        if not named or any(t in self.by_surface for t in named):
            return None  # a product the catalogue names and does not call hazardous ("洗发水瓶子")
        # a product only the generalisation rules know ("碘伏瓶子", "敌敌畏瓶子"): its bin decides the container's
        guess = self.generaliser.classify(named)
        if guess is None or guess.category != "有害垃圾" or guess.rule.lower:
            return None
        rule = guess.rule
        tip = rule.tip or texts.RULE_TIP.format(reason=rule.reason.rstrip("。"))
        name = "".join(named)
        return Entry(
            name=name, category=rule.category, source=RULE_SOURCE, tip=tip, ref=rule.source, extra={"rule": rule.id}
        )

    def _product_surface(self, content: list[str], hazard: Entry) -> str:
        """The words of the message that name the hazardous product."""
        return next((t for t in content if self.by_surface.get(t) is hazard), hazard.name)

    def _material(self, entry: Entry | None, surface: str, prefix: list[str]) -> Entry | None:
        """A plain vessel takes the bin of the material named before it ("陶瓷马克杯" → 陶瓷 → 其他垃圾)."""
        if surface not in VESSELS:
            return None
        materials = [t for t in prefix if t in MATERIALS and t in self.by_surface]
        if not materials:
            return None
        material = self.by_surface[materials[-1]]
        if material.category not in ("可回收物", "其他垃圾") or (
            entry is not None and material.category == entry.category
        ):
            return None
        tip = texts.MATERIAL_TIP.format(material=materials[-1], category=material.category)
        return Entry(name=surface, category=material.category, source=RULE_SOURCE, tip=tip, ref=material.ref)

    def _medicine_part(self, content: list[str]) -> Entry | None:
        """A blister or paper box after a medicine the catalogue does not pair with it ("胶囊铝板") is 药板 or 药盒."""
        if len(content) < 2 or content[-1] not in BLISTERS | MEDICINE_BOXES:
            return None
        named = [t for t in content[:-1] if t != "的" and t not in MODIFIERS]
        product = self.by_surface.get("".join(named))
        is_drug = self._drug(named) is not None if named else False
        if not is_drug and not (
            product is not None and product.category == "有害垃圾" and medicine_name("".join(named))
        ):
            return None
        return self.by_surface.get("药板" if content[-1] in BLISTERS else "药盒")

    def _drug(self, content: list[str]) -> Entry | None:
        """The 过期药品 rule for a medicine the catalogue does not name ("降压药", "吃剩的头孢")."""
        text = "".join(content)
        if NO_DRUG.match(text):
            return None  # "里面没药": says there is no medicine
        if text.endswith(NOT_DRUG_ENDINGS):
            return None  # "铁棍山药": a yam, not a medicine
        if content[-1].endswith(DRUG_SUFFIXES) or any(name in text for name in DRUG_NAMES):
            return self.by_surface.get("过期药品")
        return None

    def _imported_drug(self, entry: Entry, surface: str) -> Entry | None:
        """The local 过期药品 rule for an imported name of a pharmaceutical form labelled otherwise ("药膏")."""
        if entry.source == LOCAL_SOURCE or entry.category == "有害垃圾" or not medicine_name(surface):
            return None
        return self.by_surface.get("过期药品")

    def _plain_food(self, content: list[str]) -> bool:
        """Short, with no material, medicine or known non-food word: an unknown dish, not "吃剩的饭盒"."""
        text = "".join(content)
        if not 1 <= len(text) <= 5 or any(r in text for r in RISKY) or self._drug(content) is not None:
            return False
        if text.endswith(PACKAGING_ENDS):
            return False  # "剩菜袋子", "吃剩的盒饭盒子": the packaging, not the food
        guess = self.generaliser.classify(content)
        if guess is not None and guess.category != "厨余垃圾":
            return False  # "吃剩的肠炎宁片": a medicine's name, not a dish
        return all(self.by_surface[t].category == "厨余垃圾" for t in content if t in self.by_surface)

    def _named_question_word(self, tokens: list[str], phrase: str) -> Found | None:
        """A catalogue name that is also a question word, said on its own ("垃圾桶", "坏了的垃圾桶扔哪"), is the item."""
        named = [t for t in tokens if t in self.by_surface and t in FILLER and t not in CATEGORY_WORDS]
        if len(named) != 1 or any(t not in MODIFIERS and t not in _WHERE_WORDS for t in tokens if t != named[0]):
            return None
        return self._match_chunk(named, phrase)

    def _typo_in_phrase(self, tokens: list[str], phrase: str) -> Found | None:
        """A typo may have produced a question word ("过期要品" → 要/品): look for a homophone before the question."""
        end = len(tokens)
        while end and (tokens[end - 1] in FILLER or tokens[end - 1] in CATEGORY_WORDS):
            end -= 1
        text = "".join(tokens[:end])
        if len(text) < 2:
            return None
        found = Found(query=text, phrase=phrase)
        self._fallback(found, self.tokenize(text))
        return found if found.answered else None

    def _head(self, content: list[str]) -> tuple[Entry, str, list[str]] | None:
        """The longest catalogue name that ends the phrase, and the words before it."""
        best: tuple[Entry, str, list[str]] | None = None
        by_surface, max_len = self.by_surface, self.max_len
        text = "".join(content)
        n = len(content)
        start = max(0, n - MAX_SPAN_TOKENS)
        surface = text if start == 0 else "".join(content[start:])
        while start < n:  # the words content[start:], longest first
            if len(surface) <= max_len and (entry := by_surface.get(surface)) is not None:
                best = entry, surface, content[:start]
                break
            surface = surface[len(content[start]) :]
            start += 1
        # jieba may have glued the name to a word before it ("塑料凳/子", "一次性塑料/碗"): a longer name
        # found by characters wins over a shorter one found by words
        shortest = len(best[1]) + 1 if best else 2
        for start in range(max(0, len(text) - max_len), len(text) - shortest + 1):
            surface = text[start:]
            if surface in by_surface:
                best = by_surface[surface], surface, self.tokenize(text[:start])
                break
        if len(text) >= 3 and text.endswith("骨头"):
            # "大棒骨头", "羊腿骨头": a name ending in 骨 said with 头 is that name, when it covers more of the text
            plain = text[:-1]
            for start in range(max(0, len(plain) - self.max_len), len(plain) - 1):
                if plain[start:] in self.by_surface:
                    if best is None or start < len(text) - len(best[1]):
                        best = self.by_surface[plain[start:]], plain[start:], self.tokenize(plain[:start])
                    break
        if len(text) >= 3 and text.endswith("子"):
            # "消毒水瓶子" is 消毒水瓶 + 子, not 消毒 + 水瓶子: the longer name wins over a short one inside it
            plain = text[:-1]
            for start in range(max(0, len(plain) - self.max_len), len(plain) - 1):
                surface = plain[start:]
                if surface in self.by_surface:
                    if best is None or len(surface) + 1 > len(best[1]):
                        best = self.by_surface[surface], surface, self.tokenize(plain[:start])
                    break
        return best

    def _prefix_confidence(self, entry: Entry, surface: str, prefix: list[str]) -> float:
        """How far to trust the head when words stand before it."""
        base = 0.97 if entry.source == LOCAL_SOURCE else 0.9
        if not prefix:
            return base  # the name alone
        deciding = (
            [w for o in entry.kinds for w in o.words] + [w for c in entry.conditions for w in c.words]
            if entry.kinds or entry.conditions
            else []
        )
        # a deciding word said in pieces counts ("还有/油的油桶" says 还有油)
        rest = [t for t in prefix if t not in MODIFIERS and not any(w in t or t in w for w in deciding)]
        if entry.category == "其他垃圾":
            rest = [t for t in rest if t not in SOIL_WORDS]  # "擦过油的厨房用纸": soiled is 其他垃圾 all the same
        if not rest:
            return base - (0.02 if prefix else 0.0)
        if len(surface) == 1:
            return 0.5  # a one-character name ("笔", "碗") after unknown words is too generic to trust
        known = {t: self.by_surface[t] for t in rest if t in self.by_surface}
        if any(e.category == "有害垃圾" != entry.category for e in known.values()):
            return 0.45  # a container of something hazardous ("农药瓶子", "油漆桶") may be hazardous itself
        agreeing = {t for t, e in known.items() if e.category == entry.category}
        # a piece of the item's own name says nothing new ("充不进/电/的移动电源", "充电/的充电宝")
        agreeing |= {t for t in rest if any(t in s for s in entry.surfaces)}
        if entry.category == "有害垃圾":
            # no material makes a hazardous thing harmless ("塑料的药瓶", "玻璃的农药瓶")
            agreeing |= {t for t in rest if t in MATERIALS}
        risky = [t for t in rest if t not in agreeing and (t in RISKY or any(r in t for r in RISKY if len(r) > 1))]
        if entry.category == NOT_HOUSEHOLD and any(w in t for t in rest for w in REPLICA_WORDS):
            # the imported 非生活垃圾 rows are vehicles, carcasses, farm and factory waste: a toy or model of one
            # ("合金小汽车", "玩具汽车", "遥控汽车") is something a household has, so it is not sent out
            return 0.5
        if entry.category in SIZE_CATEGORIES:
            return 0.7  # size or origin decides, not material ("布艺沙发"), but the words before are unread
        if risky and entry.category == "有害垃圾" and MATERIALS.issuperset(risky):
            return 0.85  # "塑料的药瓶", "玻璃的农药瓶": what it held is the hazard, whatever it is made of
        if risky:
            return 0.45  # a material or power word that may change the bin ("电动牙刷", "陶瓷杯")
        unknown = "".join(t for t in rest if t not in agreeing and t not in FOOD_BRANDS and t not in COURIERS)
        if not unknown:
            return 0.85
        if surface in GENERIC_CONTAINERS:
            return 0.5  # what the container held is unknown ("粉底液瓶子")
        return 0.72 if len(unknown) <= 4 else 0.65

    def _accept(self, found: Found, entry: Entry, surface: str, confidence: float, how: str) -> None:
        if surface in self.conflicts:
            confidence = min(confidence, 0.5)  # the data disagree with itself: do not answer
        state, _, named = surface.partition("的")
        base = self.by_surface.get(named) if named and len(state) <= 3 else None
        if base is not None and (base.conditions or base.kinds):
            at = found.phrase.find(surface)
            if at > 0 and _DENIED.search(found.phrase[:at]):
                entry, surface = base, named  # "不干净的塑料袋" is no 干净的塑料袋: the rule reads the denied state
        found.entry, found.surface, found.confidence, found.how = entry, surface, confidence, how
        if not entry.kinds and not entry.conditions:
            return  # most names: nothing said in the phrase can pick a kind or a state
        phrase = _without_bin_words(found.phrase)  # "纸箱是湿垃圾吗": 湿垃圾 is a bin, not the state 湿
        plain = phrase.replace("了", "").replace("过", "")  # "泡了水" says 泡水
        # a quantity between a verb and its noun says the same state: "还剩点油" says 剩油, "有些油" says 有油
        said = phrase + "|" + plain + "|" + plain.replace("一点", "").replace("点", "").replace("些", "")
        if entry.kinds:
            picked = [o for o in entry.kinds if any(_says(said, w) for w in o.words)]
            if entry.asks_state and len(picked) > 1:  # "装水果的…脏了": the state that moves the bin wins
                usual = {c.when for c in entry.conditions if c.default}
                picked = [o for o in picked if o.label not in usual] or picked
            found.option = picked[0] if picked else None
            if found.option is None and entry.asks_state:
                state = _said_state(found.phrase, surface)
                found.option = next((o for o in entry.kinds if state and state in o.words), None)
            if found.option is None and len(entry.kinds) == 2 and entry.conditions:  # "没油的": the other state
                denied = [o for o in entry.kinds if any(w in said for w in o.words)]
                found.option = next(o for o in entry.kinds if o not in denied) if len(denied) == 1 else None
                found.denied = found.option is not None
            found.needs_kind = found.option is None
        if entry.conditions:
            stated = [c for c in entry.conditions if any(_says(said, w) for w in c.words)]
            if not stated and len(entry.conditions) == 2:  # "没油的", "不干净": the state denied says the other one
                denied_states = [c for c in entry.conditions if any(w in said for w in c.words)]
                stated = [c for c in entry.conditions if c not in denied_states] if len(denied_states) == 1 else []
                found.denied = found.denied or bool(stated)
            non_default = [c for c in stated if not c.default]
            if not stated and (state := _said_state(found.phrase, surface)):
                # "沾了菜汤的泡沫箱", "受潮的纸箱": soiled or wet, though not with a word the rule lists
                stated = [c for c in entry.conditions if not c.default and state in c.words][:1]
            found.condition = (non_default or stated)[0] if stated else entry.default_condition
            found.condition_stated = bool(stated)

    def _fallback(self, found: Found, content: list[str]) -> None:
        """No known name ends the phrase: try a homophone typo, else remember a name inside it as a hint."""
        text = "".join(content)
        starts = {len(text) - len("".join(content[i:])) for i in range(len(content))}
        hit = self._homophone(text, starts)
        if hit is None and len(text) >= 4 and text.endswith("子"):
            hit = self._homophone(text[:-1], {s for s in starts if s < len(text) - 1})  # "螺丝壳子" is 螺蛳壳 + 子
        if hit is None:
            hit = self._homophone_before_state(text, starts)  # "外麦盒有油": the typed name, then its state
        if hit is not None:
            entry, surface, typed = hit
            before = text[: text.rfind(typed)]
            at = found.phrase.find(text)
            said_before = found.phrase[:at] + before if at >= 0 else before  # with the words trimmed off ("大")
            longer = self._longer_with_prefix(surface, said_before)
            if longer is not None:  # "大古头" is 大骨头, "鸡古头" 鸡骨头: not the bare 骨头 that asks which size
                entry, surface, size = longer
                before = before[: max(0, len(before) - size)]
            prefix = self.tokenize(before)
            confidence = min(0.7, self._prefix_confidence(entry, surface, prefix))
            drug = self._imported_drug(entry, surface)  # "过期要膏": 郑州's 废药品 rule, as for 药膏 typed right
            self._accept(found, drug or entry, surface, confidence, "homophone")
            return
        inner = self._longest_inside(text)
        if inner is not None:
            found.entry, found.surface, found.how, found.confidence = self.by_surface[inner], inner, "contains", 0.3

    # -- names the catalogue does not know (knowledge/generalise.py, knowledge/fallback.py) --------------------

    def _generalise(self, found: Found, content: list[str]) -> None:
        """Deciding words on a named item; the rules, then the n-gram model, for a name the catalogue lacks."""
        named = found.entry is not None and found.how != "contains"
        answered = found.answered
        if named and answered and found.phrase == found.surface:
            return  # a catalogue name said alone: nothing around it can change the bin
        rules = self.generaliser
        if named and answered and self._wrapped_food(found):
            found.confidence = min(found.confidence, 0.5)  # "包过煎饼果子的纸袋子": greasy or not is unsaid
            return
        if named and answered:
            assert found.entry is not None
            modifier = rules.modifier(found.query, found.phrase)
            if modifier is not None and modifier.word in found.surface:
                modifier = None  # "外卖" in 外卖盒 is the item's own name, not a word said about its state
            guess = (
                modifier
                or rules.amount(found.entry.category, found.phrase, found.surface)
                or (rules.longer(found.query, found.surface) if found.how == "head" else None)
                # a hazardous name keeps its bin whatever it is made of ("玻璃的药瓶": the medicine is the hazard)
                or (
                    rules.prefix_decides(found.query, found.surface)
                    if found.how == "head" and found.entry.category != "有害垃圾"
                    else None
                )
            )
            if guess is not None and found.entry.category == "有害垃圾" and guess.word in MATERIALS:
                guess = None  # "玻璃的药瓶子": no material makes a hazardous thing harmless
            if guess is not None and found.needs_kind and not guess.rule.lower:
                fitting = [o for o in found.entry.kinds if o.category == guess.rule.category]
                if len(fitting) == 1:  # "含汞的灯泡": the deciding word picks the kind instead of asking
                    found.option, found.needs_kind = fitting[0], False
                    return
            if guess is not None and not self._already_decided(found, guess):
                self._apply(found, guess)
            return
        if named and not answered and found.how == "head":
            guess = rules.modifier(found.query, found.phrase)
            if guess is not None and not guess.rule.lower:
                self._apply(found, guess)  # "有油的纸盒": the word that decides the bin answers, not the doubt
                return
        if answered or found.how == "homophone" or len(found.query) < 2:
            return  # one character ("湿", "灰") is a state or a word of the question, not a name to generalise
        guess = rules.classify(content, found.phrase)
        if guess is not None and guess.category == "可回收物" and any(w in found.phrase for w in STAINED):
            return  # "沾满油漆的旧衣服": a class of clean recyclables says nothing of a stained one (not sure)
        if guess is not None and guess.category == "可回收物" and self._food_packaging(found.phrase, guess):
            return  # "速冻饺子里的塑料托": food was in it, clean or soiled is unsaid (not sure)
        if guess is not None and guess.rule.asks and not named:
            said = _state_picks(found.phrase, guess.rule.asks)
            if said is None:
                found.guesses = guess.rule.asks  # "门垫": a doormat is clean or dirty, the name says neither
                return
            if said != guess.category:  # "洗干净的坐垫": the state said picks the other bin of the two
                guess = Guess(replace(guess.rule, category=said), guess.word, guess.span)
        if guess is not None:
            disagrees = named and found.entry is not None and guess.category != found.entry.category
            if disagrees and guess.span == 0 and not (guess.rule.over_catalogue and found.surface[-1:] in VESSEL_ENDS):
                return  # the material says one bin, the catalogue's head another ("陶瓷保温杯"): do not guess
            self._apply(found, guess)
            return
        if named:
            return
        prediction = self.model.predict(found.query)
        if prediction.category == NOT_HOUSEHOLD:
            # the imported (Shanghai) 非生活垃圾 rows are vehicles, carcasses, farm and factory waste: a name merely
            # like them ("死掉的仓鼠") is something a resident has at home, so the model never sends it out of the bins
            return
        if prediction.probability >= ANSWER_AT and not self._container_of_product(found.query, prediction.category):
            entry = Entry(
                name=found.query,
                category=prediction.category,
                source=RULE_SOURCE,
                tip=texts.MODEL_TIP,
                ref="按清单同类名称推测（字符 n-gram 模型）",
                extra={"rule": "model"},
            )
            self._accept(found, entry, found.query, 0.62, "model")
        elif prediction.top_two >= ASK_AT and found.entry is None:
            found.guesses = tuple(c for c, _ in prediction.ranked[:2])

    def _wrapped_food(self, found: Found) -> bool:
        """A paper or plastic wrapper the imported list calls recyclable, said to have held food ("包过煎饼果子的纸袋子"):
        the list has no soiled state for it, so its clean label would be a guess."""
        entry = found.entry
        if entry is None or entry.source == LOCAL_SOURCE or entry.conditions or entry.category != "可回收物":
            return False
        if not found.surface.endswith(WRAPPERS):
            return False
        held = _HELD.search(found.phrase[: max(0, found.phrase.find(found.surface))])
        if held is None:
            return False
        food = self.by_surface.get(held["food"])
        if food is None:  # a dish the catalogue lacks ("煎饼果子"): the food rules may know it
            guess = self.generaliser.classify(self.tokenize(held["food"]), held["food"])
            return guess is not None and guess.category == "厨余垃圾"
        return food.category == "厨余垃圾"

    def _container_of_product(self, name: str, category: str) -> bool:
        """A box, bag or bottle of a named product whose own bin the model would copy ("牙膏盒", "口罩袋")."""
        for end in sorted(GENERIC_CONTAINERS | PACKAGING, key=len, reverse=True):
            if name.endswith(end) and len(name) > len(end):
                held = name[: -len(end)].removesuffix("的")  # "牙膏的盒子", "用完的牙膏盒": the product said last
                product = next(
                    (self.by_surface[held[i:]] for i in range(len(held) - 1) if held[i:] in self.by_surface), None
                )
                return product is not None and product.category == category and product.category != "有害垃圾"
        return False

    @property
    def generaliser(self) -> Generaliser:
        """The generalisation rules (read on first use: a plain catalogue name never needs them)."""
        if self._rules is None:
            self._rules = read_generaliser(bundled_text(GENERALISE_FILE))
        return self._rules

    @property
    def model(self) -> NgramModel:
        """The n-gram fallback, trained on the catalogue's names the first time it is needed."""
        if self._model is None:
            self._model = NgramModel(
                (surface, entry.category) for surface, entry in self.by_surface.items() if surface not in self.conflicts
            )
        return self._model

    @staticmethod
    def _already_decided(found: Found, guess: Guess) -> bool:
        """The catalogue entry already reads this word ("一次性筷子" has its own kind) or agrees with the rule."""
        entry = found.entry
        assert entry is not None
        words = [w for o in entry.kinds for w in o.words] + [w for c in entry.conditions for w in c.words]
        category = found.option.category if found.option else (found.condition.category if found.condition else None)
        return any(guess.word in w or w in guess.word for w in words) or (category or entry.category) == guess.category

    def _food_packaging(self, phrase: str, guess: Guess) -> bool:
        """A material class read from the name ("塑料托") after a food it held: the material alone says clean."""
        if guess.rule not in self._material_rules:
            return False
        at = phrase.find(guess.word)
        before = self.tokenize(phrase[:at]) if at > 0 else []
        return any(len(t) >= 2 and t in self.by_surface and self.by_surface[t].category == "厨余垃圾" for t in before)

    @property
    def _material_rules(self) -> list[Rule]:
        """The generaliser's material rules (塑料, 纸, 金属 …)."""
        return [rule for _, rule in self.generaliser.materials]

    def _apply(self, found: Found, guess: Guess) -> None:
        """Answer by the rule, or (for a rule that only says the state decides) stop trusting the answer."""
        rule = guess.rule
        if rule.lower:
            found.confidence = min(found.confidence, rule.confidence)
            return
        named = found.entry.name if found.entry is not None and found.how not in ("contains", "none") else ""
        tip = rule.tip or texts.RULE_TIP.format(reason=rule.reason.rstrip("。"))
        entry = Entry(
            name=named or found.query,
            category=rule.category,
            source=RULE_SOURCE,
            tip=tip,
            reason=rule.reason,
            ref=rule.source,
            unconfirmed=rule.unconfirmed,
            extra={"rule": rule.id},
        )
        found.option, found.needs_kind, found.condition, found.condition_stated = None, False, None, False
        found.entry, found.surface, found.confidence, found.how = entry, found.query, rule.confidence, "rule"

    def _longest_inside(self, text: str) -> str | None:
        for size in range(min(len(text) - 1, self.max_len), 1, -1):
            for i in range(len(text) - size + 1):
                if text[i : i + size] in self.by_surface:
                    return text[i : i + size]
        return None

    def _homophone_before_state(self, text: str, starts: set[int]) -> tuple[Entry, str, str] | None:
        """A name typed by sound followed by a clause about its state ("外麦盒有油", "快递纸相淋湿")."""
        for end in sorted((s for s in starts if s >= 2), reverse=True):
            rest = text[end:]
            if rest.startswith(STATE_CLAUSE) or rest[:1] in STATE_VERBS or rest[:1] in _STATE_STARTS:
                hit = self._homophone(text[:end], {s for s in starts if s < end})
                if hit is not None and hit[1] != hit[2]:  # a name typed right was passed over for a reason
                    return hit
        return None

    def _longer_with_prefix(self, surface: str, before: str) -> tuple[Entry, str, int] | None:
        """A longer known name made of the word said right before a name found by sound ("大" + 骨头), with the
        number of characters it takes from before the name; None when there is none."""
        for size in (2, 1):
            if len(before) >= size and (longer := self.by_surface.get(before[-size:] + surface)) is not None:
                return longer, before[-size:] + surface, size
        return None

    def _homophone(self, text: str, starts: set[int]) -> tuple[Entry, str, str] | None:
        """A catalogue name that sounds like the end of `text` and differs in at most one character.

        The typed part must start where a word starts ("塑料|代", not "橡|皮搁" → 皮革).
        """
        index = self._pinyin_index()
        for size in range(min(len(text), 8), 1, -1):
            if len(text) - size not in starts:
                continue
            typed = text[-size:]
            if is_common_word(typed):
                return None  # a real word ("柿子") is not a typo of another ("石子")
            names = index.get(pinyin_key(typed), set())
            names = {n for n in names if len(n) == size and sum(a != b for a, b in zip(n, typed, strict=True)) <= 1}
            if not names and size >= 3:
                # front and back nasals, flat and curled tongue, n and l: typed by ear, often in a Henan accent
                names = self._fuzzy_index().get(fuzzy_key(pinyin_key(typed)), set())
                names = {n for n in names if len(n) == size and sum(a != b for a, b in zip(n, typed, strict=True)) == 1}
            if not names:
                continue
            ranked = sorted(sorted(names), key=lambda n: -base_frequency(n))
            top, rest = ranked[0], ranked[1:]
            dominant = base_frequency(top) > 0 and all(base_frequency(n) * 10 <= base_frequency(top) for n in rest)
            if not dominant and len({self.by_surface[n].category for n in names}) > 1:
                return None  # sounds like several things in different bins: do not guess
            return self.by_surface[top], top, typed
        return None

    def _fuzzy_index(self) -> dict[str, set[str]]:
        """The pinyin index of names of three or more characters, keyed by `fuzzy_key`; built on first use."""
        if self._fuzzy is None:
            fuzzy: dict[str, set[str]] = {}
            for key, names in self._pinyin_index().items():
                if names and len(next(iter(names))) >= 3:
                    fuzzy.setdefault(fuzzy_key(key), set()).update(names)
            self._fuzzy = fuzzy
        return self._fuzzy

    def _pinyin_index(self) -> dict[str, set[str]]:
        if self._pinyin is None:
            index: dict[str, set[str]] = {}
            for surface in self.by_surface:
                if len(surface) >= 2 and not surface.isascii():
                    index.setdefault(pinyin_key(surface), set()).add(surface)
            self._pinyin = index
        return self._pinyin


_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def fuzzy_key(key: str) -> str:
    """A pinyin key with the sounds residents often mix up merged ("jing" = "jin", "sheng" = "sen", "lai" = "nai")."""
    return " ".join(map(_fuzzy_syllable, key.split(" ")))


@lru_cache(maxsize=4096)  # a few hundred syllables
def _fuzzy_syllable(syllable: str) -> str:
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


def _without_bin_words(text: str) -> str:
    """The text without the names of bins ("湿垃圾", "干垃圾"), which are no state of the item."""
    return _BIN_WORDS.sub("，", text)


_NEGATIONS = ("没", "不", "无", "别", "未")


def _says(said: str, word: str) -> bool:
    """The word is said, and not only as absent ("没淋湿", "不是塑料的"); a word that is itself a negation counts."""
    if word not in said:
        return False
    if word.startswith(_NEGATIONS):
        return True
    at = said.find(word)
    while at >= 0:
        before = re.split("[，|、]", said[max(0, at - 3) : at])[-1].replace("不锈", "")  # "没沾上油"
        if not any(n in before for n in _NEGATIONS):
            return True
        at = said.find(word, at + 1)
    return False


def _said_state(phrase: str, surface: str) -> str:
    """ "脏" when the phrase says the thing got dirty ("沾了菜汤"), "湿" when wet ("受潮"), else "".

    The rule's own state word for it ("脏", "湿") then picks its condition; "没沾上", "不湿" say the opposite.
    """
    rest = _without_bin_words(phrase.replace(surface, ""))
    for state, words in (("脏", STAINED), ("湿", WET)):
        if any(_says(rest, w) for w in words):
            return state
    return ""


def medicine_name(surface: str) -> bool:
    """A name of a medicine by its form ("药膏", "眼药水"); "咖啡胶囊" is a coffee pod, not a medicine."""
    if not surface.endswith(PHARMA_FORMS):
        return False
    return "药" in surface or surface in PHARMA_FORMS or any(name in surface for name in DRUG_NAMES)


def part_named(entry: Entry, word: str) -> Entry | None:
    """A rule-made entry for the part of `entry` that `word` names ("奶茶" + "珍珠" → 厨余垃圾), if listed."""
    word = word.strip("的")
    if len(word) < 2:
        return None
    for part in entry.parts:
        names = [n for n in re.split(r"[、，,等]", part.part) if n]
        if part.category and any(word == n or (len(n) >= 2 and n in word) or word in n for n in names):
            tip = f"{entry.name}要拆开投：{part.part}放{part.category}。"
            return Entry(name=word, category=part.category, source=RULE_SOURCE, tip=tip, ref=entry.ref)
    return None


def _without_purpose(head: tuple[Entry, str, list[str]]) -> tuple[Entry, str, list[str]]:
    """The head with the purpose clause dropped from the words before it."""
    entry, surface, prefix = head
    last = len(prefix) - 1 - prefix[::-1].index("的")
    return entry, surface, prefix[last + 1 :]


def _stain_or_content(found: Found, phrase: str) -> bool:
    """The found name got onto something ("沾了果汁"), was held in it ("装水果的") or holds it: not the item."""
    at = phrase.rfind(found.query)
    before = phrase[:at]
    if at <= 0:
        return False
    if before.endswith(("沾", "粘", *STAINED, "沾满了", "沾上了", "粘满了", "弄上", "弄上了")):
        return True
    if before.endswith(("装过", "装了", "盛过", "盛了", "放在", "放进", "放到", "搁在", "塞进", "塞在", "存在")):
        return True  # what it held, or where it was kept ("包子…放冰箱坏了": the fridge is a place)
    if before.endswith("放") and not before.endswith(("投放", "存放", "发放", "排放", "播放", "释放")):
        return True
    return before.endswith("装") and (len(before) < 2 or before[-2] not in _NOT_HOLDING)


_NOT_HOLDING = frozenset("包安服假改组伪古时盒罐瓶袋散精简西套洋军女男童盛")  # 包装, 安装, 服装…: not "held"


_INSIDE = frozenset("里 里的 里面 里面的 里边 里边的 上 上的 中 中的 内 内的".split())


def _inside_of(place: Found, topic: Found, phrase: str) -> bool:
    """ "厕所里的纸篓": the topic named after a place or holder ("X里的Y") is what is asked about."""
    at = phrase.rfind(topic.query)
    before = phrase.rfind(place.query, 0, max(at, 0))
    if at < 0 or before < 0 or len(topic.query) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in topic.query):
        return False
    gap = phrase[before + len(place.query) : at]
    return gap in _INSIDE or (place.entry is not None and _PART_GAP.fullmatch(gap) is not None)


# "自行车上换下来的铁链条", "电动车上拆的后视镜", "猫没吃完的罐头肉", "汽车遥控钥匙的电池": a part taken off a named whole,
# or what an animal left of its food. The part is judged by its own name, never by the whole's bin (Round 16 parts17).
_PART_GAP = re.compile(
    r"(?:里|里面|上|上面|上边|中|内)?的?"
    r"(?:(?:拆|换|卸|抠|剪|取|掰|剔|剥|掉|切|刮|撕|解)(?:下来|下|出来|出)?|(?:没吃完|吃剩下?|啃剩下?|剩下))?的?"
)


# Packaging a leftover came in: with it the message is about the wrapper, not the food.
PACKAGING_ENDS: tuple[str, ...] = tuple("袋 袋子 包装 盒 盒子 瓶 瓶子 罐 罐子 桶 杯 杯子 膜 纸".split())


def _join_negated_able(tokens: list[str]) -> list[str]:
    """ "不" + "可降解…" is ordinary plastic ("不可降解塑料袋" → 普通 + 塑料袋), not a filler before 可降解塑料袋."""
    if "不" not in tokens:
        return tokens
    joined: list[str] = []
    for token in tokens:
        if joined and joined[-1] == "不" and token.startswith("可降解"):
            joined[-1] = "普通"
            if token != "可降解":
                joined.append(token.removeprefix("可降解"))
        else:
            joined.append(token)
    return joined


def _class_word(query: str) -> bool:
    """True for a material or class a resident guesses after the item ("纸", "塑料", "旧衣服", "玻璃一类的")."""
    for end in ("一类的", "一类", "之类的", "之类", "类的", "类"):
        if query.endswith(end) and len(query) > len(end):
            query = query.removesuffix(end)
            break
    return query in CLASS_WORDS


def _states_cover_bottle(entry: Entry) -> bool:
    """True when a rule's own states speak of its empty bottle ("用完并洗净的空瓶"): its bottle is read by the rule."""
    return any("空瓶" in c.when or "空瓶" in c.words for c in entry.conditions)


def _joins_said_words(surface: str, head: tuple[Entry, str, list[str]]) -> bool:
    """The longer name is the word said before 的 and the name after it ("鼻涕" + "纸" in "擤鼻涕的纸")."""
    before = [t for t in head[2] if t != "的"]
    if not before or "了" in before or before[-1] in STILL_HOLDS:
        return False  # "沾了油的纸": a clause about its state, not a kind of paper (油纸)
    return surface == before[-1] + head[1]  # the whole word: "泡面的纸桶" holds no 面纸


def _same_part(pair: Sequence[str]) -> bool:
    """Two different names of two or more characters that end in the same part word ("西瓜皮", "香蕉皮") or start
    with the same 旧/废/坏/破 ("旧书旧报纸": no old thing is made of another old thing)."""
    a, b = pair
    if a == b or len(a) < 2 or len(b) < 2:
        return False
    return (a[-1] == b[-1] and a.endswith(_PART_ENDS)) or (a[0] == b[0] and a.startswith(_OLD_STARTS))


def _trim(tokens: list[str]) -> list[str]:
    """Drop modifiers at the edges ("用过的", "坏了"); inside a name they stay.

    A measure word after a noun ends a compound ("沙发套" is a cover, not a sofa), so it is kept at the end.
    """
    start, end = 0, len(tokens)
    while start < end and (
        tokens[start] in MODIFIERS or (tokens[start] in CITY_PREFIXES and tokens[start + 1 : start + 2] == ["的"])
    ):
        start += 1  # "新密的易拉罐": the city is where the resident lives, not part of the name
    while end - start > 1 and _COUNT_LEAD.fullmatch(tokens[start]):
        start += 1  # "两个碗": a count of pieces before the name ("好几袋草" keeps its amount, which may decide)
    while end > start and _QUANTITY.fullmatch(tokens[end - 1]):
        end -= 1  # "五号电池两节", "易拉罐十几个": a count after the name
    while (
        end - 1 > start
        and _DURATION.fullmatch(tokens[end - 1])
        and (tokens[end - 2] in MODIFIERS or _DURATION.fullmatch(tokens[end - 2] + tokens[end - 1]))
    ):
        end -= 1  # "降糖药过期了好几个月": how long, after the state, is no part of the name
    while (
        end > start + 2
        and _NUMERAL.fullmatch(tokens[end - 2])
        and _QUANTITY.fullmatch(tokens[end - 2] + tokens[end - 1])
    ):
        end -= 2  # "过期药3盒", "小龙虾壳子一大盆": jieba cuts a count in two
    while end > start and tokens[end - 1] in MODIFIERS:
        if tokens[end - 1] in TRAILING_NOUNS and end - 1 > start and tokens[end - 2] not in MODIFIERS:
            break
        end -= 1
    return tokens[start:end]


def _sealed(entry: Entry, surface: str) -> bool:
    """A product sold sealed in a small packet that goes with it (干燥剂, 暖宝宝), not a food or a recyclable."""
    return entry.category not in ("厨余垃圾", "可回收物") and not surface.endswith(_PACKAGING_ENDS)


def _sealed_in(named: list[Found]) -> Found | None:
    """The answered product named just before a bare packet word, when the packet is sealed with it."""
    last = named[-1] if named else None
    if last is None or not last.answered or last.entry is None or not _sealed(last.entry, last.surface):
        return None
    return last


_SAID_CLEAN = re.compile("干净|洗过|洗净|洗了|没用过|新的|全新")
_SAID_DIRTY = re.compile("脏|发霉|霉了|油|污|尿|破|烂|湿")


def _state_picks(phrase: str, bins: tuple[str, ...]) -> str | None:
    """The bin a clean or dirty state said in the phrase picks among a rule's two (可回收物 when clean)."""
    if _SAID_CLEAN.search(phrase) and "可回收物" in bins:
        return "可回收物"
    if _SAID_DIRTY.search(phrase):
        return next((b for b in bins if b != "可回收物"), None)
    return None


def _food_before(named: list[Found]) -> bool:
    """The chunk before a wrapping word names a food ("薯片那小包装"): the food is not the wrapping's answer."""
    last = named[-1] if named else None
    return last is not None and last.answered and last.entry is not None and last.entry.category == "厨余垃圾"
