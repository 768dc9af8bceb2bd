"""List every seed sentence that holds a figure, date, lead/partner unit, place or defined term (question-set helper).

Reads only the raw seed texts, never the bot's parser. Usage: python eval/dev/policy/seed_sentences.py SEED...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

KINDS = {
    "figure": re.compile(r"\d+(?:\.\d+)?\s*(?:%|％|个|家|吨|座|万|亿|处|项|条|所)"),
    "date": re.compile(r"(?:19|20)\d\d\s*年|年底|年前|以前"),
    "unit": re.compile(r"牵头单位|责任单位|配合单位|牵头|负责"),
    "place": re.compile(
        r"[\u4e00-\u9fff]{2,4}(?:镇|乡|街道|园区|开发区|产业园|区)|无废(?:[\u4e00-\u9fff]{1,4})?细胞|无废[\u4e00-\u9fff]{2}"
    ),
    "term": re.compile(r"是指|指的是|即|所称|定义"),
}
HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")


def sentences(text: str) -> list[tuple[str, str]]:
    """(current heading, sentence) pairs; sentences end at 。；! ? or a line end."""
    out: list[tuple[str, str]] = []
    heading = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        m = HEADING.match(line)
        if m:
            heading = line[:24]
        for part in re.split(r"(?<=[。；！？])", line):
            part = part.strip()
            if len(part) > 4:
                out.append((heading, part))
    return out


def main(argv: list[str]) -> None:
    """Print kind-tagged sentences of each seed."""
    for name in argv:
        for n, (heading, sent) in enumerate(sentences(Path(name).read_text(encoding="utf-8"))):
            kinds = [k for k, rx in KINDS.items() if rx.search(sent)]
            if kinds:
                print(f"{Path(name).name[:3]}\t{n}\t{','.join(kinds)}\t[{heading}]\t{sent}")


if __name__ == "__main__":
    main(sys.argv[1:])
