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
    return re.compile(f"(?:{'|'.join(bare)})(?:市区|市|县|区)?|(?:{'|'.join(suffixed)})(?:市|县|区)")


PLACES = places_pattern()
COUNTY = re.compile("[\u4e00-\u9fff]{2}县")  # any other county: most county names have two characters
NOT_PLACES = ("全县", "各县", "本县", "该县", "我县", "县城")


def bare_name(place: str) -> str:
    """ "中牟县" -> "中牟", "郑州市区" -> "郑州"."""
    name = place.removesuffix("市区")
    return name[:-1] if len(name) > 2 and name[-1] in "市县区" else name


def places_in(text: str) -> list[str]:
    """Every place named in the text, from the reviewed list or a two-character name with 县."""
    found = [m.group(0) for m in PLACES.finditer(text)]
    for m in COUNTY.finditer(text):
        if m.group(0) not in NOT_PLACES and m.group(0)[:1] not in "全各本该我每们" and m.group(0) not in found:
            found.append(m.group(0))
    return found
