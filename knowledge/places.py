"""Place names people and plans mention (knowledge/data/plan_places.yaml), for telling one place's plan from another's."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PLACES_FILE = Path(__file__).with_name("data") / "plan_places.yaml"


def places_pattern(path: Path = PLACES_FILE) -> re.Pattern[str]:
    """Names from the reviewed list: `bare` ones alone or with 市/县/区, `with_suffix` ones only with it."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    bare = sorted(map(str, data["bare"]), key=len, reverse=True)
    suffixed = sorted(map(str, data["with_suffix"]), key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(bare)})(?:市区|市|县|区|省)?|(?:{'|'.join(suffixed)})(?:市|县|区)")


PLACES = places_pattern()
COUNTY = re.compile("[\u4e00-\u9fff]{2}县")  # any other county: most county names have two characters
NOT_PLACES = ("全县", "各县", "本县", "该县", "我县", "县城")


# Any other city, district or county (义乌市, 栖霞区, 嵊州市): two characters and 市/区/县 right after the start of the
# message, a punctuation mark or a word that introduces a place (是/在/住/来自 …); the two characters must not be a word
# that ends in 市/区/县 (城市, 超市, 小区, 园区, 生活区 …).
OTHER_PLACE = re.compile(
    r"(?:^|(?<=[\s，,。！!？?、：:；;（(“\"]|是|在|住|从|到|去|那|的|们|咱|俺|问|说|找|查|自))"
    r"([\u4e00-\u9fff]{2}(?:市|区|县))"
)
NOT_FIRST = set("全各本该我每们这那哪此其某几多一个城县市区省本俺咱你他")
NOT_SECOND = {
    "市": set("城都超门上夜菜集早股楼车花鱼黑闹县省地级全本"),
    "区": set("城市社小园景辖街山郊片厂校活业发范护宅验务能聚矿牧库湖灾新住老成"),  # 建成区 is no place
    "县": set("市城区属"),
}


def other_places_in(text: str) -> list[str]:
    """Cities, districts and counties outside the reviewed list, by the general pattern above."""
    found = []
    for m in OTHER_PLACE.finditer(text):
        name = m.group(1)
        if name[0] in NOT_FIRST or name[1] in NOT_SECOND[name[2]] or name in NOT_PLACES:
            continue
        found.append(name)
    return found


def bare_name(place: str) -> str:
    """ "中牟县" -> "中牟", "郑州市区" -> "郑州", "浙江省" -> "浙江"."""
    name = place.removesuffix("市区")
    return name[:-1] if len(name) > 2 and name[-1] in "市县区省" else name


def places_in(text: str) -> list[str]:
    """Every place named in the text, from the reviewed list or a two-character name with 县."""
    found = [m.group(0) for m in PLACES.finditer(text)]
    for m in COUNTY.finditer(text):
        if m.group(0) in NOT_PLACES or m.group(0)[:1] in "全各本该我每们俺咱你他" or m.group(0) in found:
            continue
        if UNIT_AFTER.match(text, m.end()) and not INTRO_BEFORE.search(text[: m.start()]):
            continue  # "农膜回收网点县农业农村局参与不": 县 opens the unit's name, 网点 ends the topic
        found.append(m.group(0))
    return found


# a county-level unit's name after 县 ("县农业农村局", "县人民政府") and what may come right before a place's name
UNIT_AFTER = re.compile("[\u4e00-\u9fff]{0,8}?(?:局|委员会|委|办公室|社|院|政府|中心|大队)")
INTRO_BEFORE = re.compile(r"(?:^|[\s，,。！!？?、：:；;（(“\"]|是|在|住|从|到|去|那|的|们|咱|俺|问|说|找|查|自)$")


# A town, township, sub-district or development zone named without its city ("龙湖镇…", "高新区…"): two characters and
# 镇/乡/街道, or a zone's common name; "乡镇", "城乡", "各乡镇" are no names
PART = re.compile(
    "高新技术产业开发区|经济技术开发区|经济开发区|产业集聚区|高新区|经开区|[\u4e00-\u9fff]{1,3}[路街]街道"
    "|[\u4e00-\u9fff]{2}[镇乡](?![村镇级下土亲情愁音])"
)
# a zone's full name and its short one are one zone ("新郑市经济技术开发区" is asked as "经开区")
ZONE_SHORT = {"高新技术产业开发区": "高新区", "经济技术开发区": "经开区", "经济开发区": "经开区"}
NOT_PART_FIRST = set("在到从去的和与及各全本该每这那哪我咱俺们个城乡村镇、的进推一")
NOT_PART_SECOND = set("城乡村小集市重各个")
ZONES = ("高新技术产业开发区", "经济技术开发区", "经济开发区", "产业集聚区", "高新区", "经开区")


def parts_in(text: str) -> list[str]:
    """Towns, sub-districts and zones named in the text ("石桥镇", "新华路街道", "高新区")."""
    found = []
    for m in PART.finditer(text):
        name = m.group(0)
        if name not in ZONES and (name[0] in NOT_PART_FIRST or name[1] in NOT_PART_SECOND):
            continue
        found.append(ZONE_SHORT.get(name, name))
    return found


def known_parts(path: Path = PLACES_FILE) -> dict[str, list[str]]:
    """The reviewed towns and zones of plan_places.yaml: name -> the cities that have one so named."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    parts: dict[str, list[str]] = {}
    for city, names in (data.get("parts") or {}).items():
        for name in names:
            name = ZONE_SHORT.get(str(name), str(name))
            if str(city) not in parts.setdefault(name, []):
                parts[name].append(str(city))
    return parts


# 郑州 and the cities, counties and districts under it: 《郑州市城市生活垃圾分类管理办法》 applies there (domain.md)
ZHENGZHOU_AREA = frozenset(
    "郑州 新郑 新密 中牟 登封 巩义 荥阳 金水 管城 惠济 上街 航空港 郑东新区 中原 二七 高新区 经开区".split()
)


def outside_zhengzhou(text: str) -> str | None:
    """A city, county or province named in the text that is not 郑州 or a place under it ("开封", "上海市"), else None."""
    for place in places_in(text) + other_places_in(text):
        name = bare_name(place)
        if name not in ZHENGZHOU_AREA and not any(name.startswith(z) for z in ZHENGZHOU_AREA):
            return name
    return None
