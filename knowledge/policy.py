"""Answers questions about the ingested plans: targets, who leads a task, what a unit is responsible for, 无废细胞."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import jieba
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.answer import Answer
from knowledge.plan_models import PlanDocument, PlanSection, PlanTarget, PlanTask
from knowledge.plan_parser import render_target
from knowledge.plans import short_city
from knowledge.segment import add_words, shared_tokenizer

# Resident-facing wording, kept apart from the logic below.
TEXT_NO_FIGURE = "方案里没有找到关于「{topic}」的具体数字或说法，我不做猜测。可以换个说法，或问问具体指标（例如“生活垃圾回收利用率目标”）。"
TEXT_CITY_MISSING = "{city}的方案里没有找到这一项的数字，下面是其他城市方案里的："
TEXT_NO_PLAN = "还没有导入“无废城市”建设方案，暂时回答不了方案相关的问题。"
TEXT_UNITS = "{cite}「{title}」：牵头单位：{lead}；责任单位：{resp}。"
TEXT_NO_UNITS = "{cite}「{title}」没有写明牵头单位和责任单位。"
TEXT_UNIT_TASKS = "{cite}中，{unit}牵头 {n_lead} 项任务：{lead}。另作为责任单位参与 {n_resp} 项：{resp}。"
TEXT_UNIT_NONE = "方案里没有找到{unit}承担的任务。"
TEXT_CELLS = "{cite}提到的“无废细胞”类型：{types}。"
TEXT_PLACES = "{cite}点名创建的{kinds}：{places}。"
TEXT_LEADERS = "{cite}：{group}组长{leader}，副组长{deputies}；成员单位{n}个。"
TEXT_INDICATORS = "{cite}确定了{total}个{name}：{parts}。"
NONE_WORD = "（未写明）"

TARGET_CUES = ("目标", "要求", "达到", "多少", "几", "百分之", "比例", "指标", "率", "多大", "怎样", "提高到")
STRONG_CUES = ("目标", "指标", "方案", "无废城市", "牵头", "责任单位", "率", "满意度", "参与度", "十四五", "到20")
WHO_CUES = ("谁", "哪个部门", "哪些部门", "哪个单位", "哪些单位", "牵头", "责任单位", "负责单位", "主管", "归谁")
UNIT_CUES = ("负责", "牵头", "任务", "职责", "干什么", "做什么", "管什么", "承担", "参与", "工作", "管哪")
CELL_CUES = ("类型", "哪些", "哪几", "种类", "有什么", "什么样", "包括", "几种", "有几", "几类")
STOP = {
    "目标", "要求", "多少", "达到", "要", "是", "的", "什么", "哪些", "有", "吗", "呢", "能", "到", "年", "年底", "率",
    "用率", "收率", "传教", "怎么", "如何", "现在", "我们", "方案", "规定", "任务", "负责", "牵头", "谁", "哪个", "部门",
    "单位", "市", "县", "区", "以上", "实现", "提升", "提高", "全市", "建成", "无废", "城市", "建设", "垃圾", "废物",
    "固体", "固废", "一下", "请问", "问", "告诉", "指标", "多大", "比例", "百分之", "几", "情况", "工作", "责任",
}  # fmt: skip
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
)

MEASURE_WORDS = {
    "利用", "利用率", "综合", "综合利用", "综合利用率", "回收", "回收率", "回收利用", "回收利用率", "覆盖", "覆盖率",
    "处理", "处理率", "使用", "使用率", "资源", "资源化", "普及", "普及率", "无害", "无害化",
}  # fmt: skip
MIN_COVERAGE = 0.7  # share of the question's keyword weight a target must explain

_words_added = False


def _jieba() -> jieba.Tokenizer:
    """The shared tokenizer, with the plan vocabulary added once per process."""
    global _words_added
    if not _words_added:
        add_words(DOMAIN_WORDS, freq=20000)
        _words_added = True
    return shared_tokenizer()


def tokens(text: str) -> set[str]:
    """Keywords of a text: jieba search-mode words without stop words or single characters."""
    words = _jieba().cut_for_search(re.sub(r"[“”\"'《》（）()，。、？?！!：:；;\s]", " ", text.lower()))
    return {w for w in words if len(w) > 1 and w not in STOP and not w.strip().isdigit()}


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


def cite_name(doc: PlanDocument) -> str:
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

    def __init__(self, targets: list[_Target], tasks: list[_Task], docs: list[PlanDocument]) -> None:
        self.targets = targets
        self.tasks = tasks
        self.docs = [(d.city, cite_name(d), d.facts or {}) for d in docs]
        self.cities = [c for c in dict.fromkeys(d.city for d in docs) if c]
        df: Counter[str] = Counter()
        for t in targets:
            df.update(t.ind | t.ctx)
        for k in tasks:
            df.update(k.head | k.body)
        n = len(targets) + len(tasks) + 1
        self.idf = {w: math.log(n / c) + 1.0 for w, c in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        units: dict[str, str] = {}
        for k in tasks:
            for u in k.lead + k.responsible:
                units.setdefault(u, u)
                if u.startswith("市") and len(u) > 3:
                    units.setdefault(u[1:], u)
        self.unit_aliases = sorted(units.items(), key=lambda kv: -len(kv[0]))

    @classmethod
    def load(cls, session: Session) -> PolicyIndex:
        """Read every plan, task and target into memory and precompute keywords."""
        docs = list(session.scalars(select(PlanDocument).order_by(PlanDocument.id)))
        by_doc = {d.id: d for d in docs}
        sections = {s.id: s for s in session.scalars(select(PlanSection))}
        targets = []
        for g in session.scalars(select(PlanTarget).order_by(PlanTarget.document_id, PlanTarget.position)):
            doc = by_doc[g.document_id]
            sec = sections.get(g.section_id) if g.section_id else None
            parent = sections.get(sec.parent_id) if sec and sec.parent_id else None
            context = " ".join(s.title for s in (sec, parent) if s)
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
                    ctx=tokens(context) - ind,
                    tail=tokens(g.indicator[-3:]),
                )
            )
        tasks = []
        for k in session.scalars(select(PlanTask).order_by(PlanTask.document_id, PlanTask.position)):
            doc = by_doc[k.document_id]
            head = tokens(k.title)
            tasks.append(
                _Task(
                    doc.city,
                    cite_name(doc),
                    k.label,
                    k.title,
                    k.lead_units,
                    k.responsible_units,
                    head,
                    tokens(k.text) - head,
                )
            )
        return cls(targets, tasks, docs)

    # ------------------------------------------------------------ entry point

    def answer(self, text: str, *, city: str | None) -> Answer | None:
        """A policy answer, or None when the text is not a question about the plan."""
        q = text.strip()
        asked_city = next((c for c in self.cities if short_city(c) in q), None)
        for c in self.cities:
            q = q.replace(c, " ").replace(short_city(c), " ")
        year_m = re.search(r"20\d\d", q)
        year = int(year_m.group(0)) if year_m else None
        want = asked_city or next((c for c in self.cities if city and short_city(c) == short_city(city)), None)
        if not self.docs:
            return None
        if ("无废细胞" in q or re.search("无废(景区|公园)", q)) and _has(q, CELL_CUES):
            return self._cells(want)
        if "领导小组" in q:
            return self._leaders(want)
        if "指标" in q and re.search("(多少|几)个", q):
            found = self._indicator_system(want)
            if found:
                return found
        unit = next((full for alias, full in self.unit_aliases if alias in q), None)
        if unit and _has(q, UNIT_CUES):
            return self._unit_tasks(unit, want)
        words = tokens(q)
        if _has(q, WHO_CUES):
            found = self._who(words, want)
            if found:
                return found
        if _has(q, TARGET_CUES):
            found = self._targets(words, want, year)
            if found:
                return found
        if _has(q, STRONG_CUES) or _has(q, WHO_CUES[1:]):
            topic = "".join(w for w in _jieba().cut(q) if w.strip() and w not in STOP)[:20] or q[:20]
            return Answer(intent="policy", text=TEXT_NO_FIGURE.format(topic=topic), confidence=0.2, source="plan")
        return None

    # ------------------------------------------------------------ targets

    def _weight(self, words: set[str]) -> float:
        """Summed idf; words the plans never use weigh as much as the rarest word."""
        return sum(self.idf.get(w, self.max_idf) for w in words)

    def _score(self, words: set[str], head: set[str], body: set[str], body_weight: float, tail: set[str]) -> float:
        """How well a target or task fits the question: idf overlap, scaled by how much of the question it covers.

        The subject of the question (建筑垃圾, 秸秆 …) must be covered, not only its measure (利用率 …); a hit on the
        indicator's own measure word (its tail) counts extra.
        """
        both = head | body
        coverage = self._weight(words & both) / (self._weight(words) or 1.0)
        subject = words - MEASURE_WORDS
        if coverage < MIN_COVERAGE or (subject and self._weight(subject & both) / self._weight(subject) < MIN_COVERAGE):
            return 0.0
        hit = self._weight(words & head)
        ctx = self._weight(words & body)
        return (
            hit + body_weight * ctx + 0.5 * hit / (self._weight(head) or 1.0) + 0.5 * self._weight(words & tail)
        ) * (coverage)

    def _targets(self, words: set[str], want: str | None, year: int | None) -> Answer | None:
        if not words:
            return None
        per_city: dict[str | None, list[tuple[float, _Target]]] = {}
        for t in self.targets:
            s = self._score(words, t.ind, t.ctx, 0.5, t.tail)
            if s < 1.5:
                continue
            if year and t.data["year"] == year:
                s += 0.3
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
            top = scored[0][0]
            best_overall = max(best_overall, top)
            picked = [t for s, t in scored if s >= 0.85 * top][:3]
            for t in picked:
                when = f"到{t.data['year']}年，" if t.data["year"] else ""
                prefix = f"{c}：" if (len(per_city) > 1 or missing) and c else ""
                lines.append(f"{prefix}{when}{t.phrase}（{t.cite} {t.section}）")
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

    def _who(self, words: set[str], want: str | None) -> Answer | None:
        best: dict[str | None, tuple[float, _Task]] = {}
        for k in self.tasks:
            if want and k.city != want:
                continue
            s = self._score(words, k.head, k.body, 0.3, set())
            if s >= 1.5 and (k.city not in best or s > best[k.city][0]):
                best[k.city] = (s, k)
        if not best:
            return None
        with_units = {c: v for c, v in best.items() if v[1].lead or v[1].responsible}
        shown = with_units or best
        lines = []
        lead: list[str] = []
        resp: list[str] = []
        for _s, k in shown.values():
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
        top = max(s for s, _k in shown.values())
        return Answer(
            intent="policy",
            text="\n".join(lines),
            confidence=0.85 if top >= 4 else 0.55,
            source="plan",
            extra={"units": {"lead": lead, "responsible": resp}, "tasks": [k.label for _s, k in shown.values()]},
        )

    def _unit_tasks(self, unit: str, want: str | None) -> Answer:
        lines, found = [], []
        by_cite: dict[str, tuple[list[_Task], list[_Task]]] = {}
        for k in self.tasks:
            if want and k.city != want:
                continue
            if unit in k.lead:
                by_cite.setdefault(k.cite, ([], []))[0].append(k)
            elif unit in k.responsible:
                by_cite.setdefault(k.cite, ([], []))[1].append(k)
        for cite, (lead, resp) in by_cite.items():
            lines.append(
                TEXT_UNIT_TASKS.format(
                    cite=cite,
                    unit=unit,
                    n_lead=len(lead),
                    lead="；".join(f"{k.label} {k.title}" for k in lead) or "无",
                    n_resp=len(resp),
                    resp="、".join(k.label for k in resp) or "无",
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
        if want and any(c == want for c, _cite, _f in rows):
            rows = [r for r in rows if r[0] == want]
        return rows

    def _cells(self, want: str | None) -> Answer | None:
        rows = self._facts("cells", want)
        if not rows:
            return None
        lines = []
        for _c, cite, cells in rows:
            if cells.get("types"):
                lines.append(TEXT_CELLS.format(cite=cite, types="、".join(cells["types"])))
            if cells.get("places"):
                kinds = "和".join(dict.fromkeys(p["kind"] for p in cells["places"]))
                places = "、".join(p["name"] for p in cells["places"])
                lines.append(TEXT_PLACES.format(cite=cite, kinds=kinds, places=places))
        cells_json = {cite: cells for _c, cite, cells in rows}
        return Answer(
            intent="policy", text="\n".join(lines), confidence=0.9, source="plan", extra={"cells": cells_json}
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


def _has(text: str, cues: tuple[str, ...]) -> bool:
    return any(c in text for c in cues)
