"""The imported list, the local-rule layer and how they merge."""

import pytest

from knowledge.catalogue import (
    LOCAL_SOURCE,
    CatalogueError,
    bundled_catalogue,
    bundled_text,
    merge,
    read_imported,
    read_local_rules,
    split_imported_name,
)

BATTERY = """
- name: 电池
  category: 有害垃圾
  reason: r
  source: s
  kinds:
    question: 哪种电池？
    options:
      - {label: 普通干电池, words: [干电池, 5号], category: 其他垃圾}
      - {label: 充电电池, words: [充电, 锂], category: 有害垃圾}
"""


@pytest.mark.parametrize(
    ("raw", "name", "aliases"),
    [
        ("报纸、纸皮", "报纸", ["纸皮"]),
        ("塑料碗（盆）", "塑料碗", ["塑料盆"]),
        ("大骨（如：猪腿骨）", "大骨", []),
        ("粽子 线", "粽子线", []),
        ("iphone x", "iphone x", []),
    ],
)
def test_imported_names_are_split_into_name_and_aliases(raw: str, name: str, aliases: list[str]) -> None:
    assert split_imported_name(raw) == (name, aliases)


def test_local_rule_wins_over_imported_row_and_keeps_the_imported_category() -> None:
    imported = read_imported("item\tcategory\n电池\t有害垃圾\n充电宝\t可回收物\n纸巾\t其他垃圾\n")
    local = read_local_rules(BATTERY + "- {name: 充电宝, category: 有害垃圾, reason: r, source: s}\n")
    merged = {e.name: e for e in merge(imported, local)}
    assert merged["充电宝"].category == "有害垃圾"
    assert merged["充电宝"].source == LOCAL_SOURCE
    assert merged["充电宝"].imported_category == "可回收物"
    assert merged["纸巾"].category == "其他垃圾"


def test_imported_compound_of_an_ambiguous_item_takes_the_kind_its_words_select() -> None:
    imported = read_imported("item\tcategory\n5号电池\t有害垃圾\n锂电池\t有害垃圾\n铅酸电池\t有害垃圾\n")
    merged = {e.name: e for e in merge(imported, read_local_rules(BATTERY))}
    assert merged["5号电池"].category == "其他垃圾"
    assert merged["5号电池"].imported_category == "有害垃圾"
    assert merged["锂电池"].category == "有害垃圾"
    assert merged["铅酸电池"].source != LOCAL_SOURCE  # no word decides: the imported answer stays


@pytest.mark.parametrize(
    "bad",
    [
        "- {name: x, category: 蓝桶, reason: r, source: s}",
        "- {category: 其他垃圾}",
        "- name: x\n  category: 其他垃圾\n  conditions:\n    - {when: a, category: 其他垃圾}\n",
        "{name: x}",
    ],
)
def test_invalid_local_rules_are_refused(bad: str) -> None:
    with pytest.raises(CatalogueError):
        read_local_rules(bad)


def test_bundled_catalogue_loads_with_its_licence() -> None:
    entries, digest = bundled_catalogue()
    assert sum(len(e.surfaces) for e in entries) > 4400  # every imported name is still answerable
    assert len(digest) == 16
    assert "MIT License" in bundled_text("LICENSE-sorting-items.txt")
    assert sum(e.source == LOCAL_SOURCE for e in entries) >= 100


def test_bundled_local_rules_cover_the_tricky_items() -> None:
    local = read_local_rules(bundled_text("local_rules.yaml"))
    surfaces = {s for e in local for s in e.surfaces}
    for item in [
        "电池",
        "充电宝",
        "大骨头",
        "贝壳",
        "核桃壳",
        "外卖餐盒",
        "奶茶",
        "过期药品",
        "化妆品",
        "快递纸箱",
        "灯管",
        "油漆桶",
        "杀虫剂",
        "旧衣服",
        "床垫",
        "沙发",
    ]:
        assert item in surfaces, item
    for entry in local:
        assert entry.reason and entry.ref, f"{entry.name}: every local rule says why and where from"


def test_imported_compounds_of_ambiguous_items_agree_with_the_kind_they_name() -> None:
    """E.g. the imported "5号电池" (有害垃圾 in Shanghai's list) must follow the 电池 rule's 干电池 kind."""
    entries, _ = bundled_catalogue()
    rules = [(s, e) for e in entries if e.kinds for s in e.surfaces]
    problems = []
    for entry in entries:
        for surface, rule in rules:
            if entry is rule or not entry.name.endswith(surface) or entry.name == surface:
                continue
            named = {o.category for o in rule.kinds if any(w in entry.name for w in o.words)}
            if len(named) == 1 and (category := named.pop()) != entry.category:  # words of two kinds: no kind
                problems.append((entry.name, entry.category, rule.name, category))
            break
    assert problems == []
