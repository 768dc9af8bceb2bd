"""Questionnaires as data: YAML files with versioned questions, skip logic and indicator definitions.

A file holds one survey: `id`, `version`, `wave` (a fixed name) or `wave_period` (year, half, quarter or month:
the wave follows the calendar, e.g. 2026 or 2026-H2), `title`, `anonymous`, `questions` (types single, multiple,
scale5, number, text; `show_if` skip logic) and `indicators` (numerator options, options excluded from the
denominator, optional 0–100 scores, target and pass rule). Loading validates everything and raises
DefinitionError with the file and the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

DATA = Path(__file__).with_name("data")
TYPES = ("single", "multiple", "scale5", "number", "text")
RULES = ("point", "lower_bound")
SCALE5_LABELS = ("很不好", "不太好", "一般", "比较好", "很好")


class DefinitionError(ValueError):
    """A questionnaire file that cannot be used."""


@dataclass(frozen=True)
class Option:
    """One answer option: a stable code (what is stored), the label residents see, and close wordings."""

    code: str
    label: str
    aliases: tuple[str, ...] = ()
    exclusive: bool = False  # in a multiple-choice question, cannot be combined with other options (都没有)


@dataclass(frozen=True)
class ShowIf:
    """Ask a question only when an earlier answer has (or lacks) one of some options."""

    question: str
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    def holds(self, answers: Mapping[str, list[str]]) -> bool:
        """True when the earlier answers say the question should be asked."""
        given = answers.get(self.question, [])
        if self.any_of:
            return any(v in self.any_of for v in given)
        return bool(given) and not any(v in self.none_of for v in given)


@dataclass(frozen=True)
class Question:
    """One question of a survey."""

    id: str
    type: str
    text: str
    options: tuple[Option, ...] = ()
    required: bool = True
    show_if: ShowIf | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_length: int = 500

    def option(self, code: str) -> Option | None:
        """The option with this code."""
        return next((o for o in self.options if o.code == code), None)

    def label(self, code: str) -> str:
        """The label of an option code (the value itself for number and text answers)."""
        found = self.option(code)
        return found.label if found is not None else code


@dataclass(frozen=True)
class Indicator:
    """How one indicator is computed from one question's answers."""

    key: str
    name: str
    question: str
    numerator: tuple[str, ...]
    excluded: tuple[str, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
    target: float = 0.9
    rule: str = "point"
    method: str = ""


@dataclass(frozen=True)
class Survey:
    """A whole questionnaire."""

    id: str
    version: int
    wave: str
    title: str
    intro: str
    anonymous: bool
    questions: tuple[Question, ...]
    indicators: tuple[Indicator, ...]
    wave_period: str | None = None  # year | half | quarter | month: the wave follows the calendar
    count_unverified: bool = (
        False  # official figures include open web-form answers nobody proved (surveys.verification)
    )

    def at(self, now: dt.datetime) -> Survey:
        """This survey with the wave in force at `now` (unchanged when the wave is fixed in the file)."""
        if self.wave_period is None:
            return self
        return replace(self, wave=wave_for(self.wave_period, now))

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError when unknown)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def visible(self, question: Question, answers: Mapping[str, list[str]]) -> bool:
        """Whether the skip logic asks this question, given the earlier answers."""
        return question.show_if is None or question.show_if.holds(answers)

    def next_question(self, after: str | None, answers: Mapping[str, list[str]]) -> Question | None:
        """The first question after `after` (None = from the start) that the skip logic shows."""
        ids = [q.id for q in self.questions]
        start = ids.index(after) + 1 if after is not None else 0
        for q in self.questions[start:]:
            if self.visible(q, answers):
                return q
        return None


def _str_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _option(raw: Any, index: int, where: str) -> Option:
    if isinstance(raw, str):
        return Option(code=str(index), label=raw)
    if not isinstance(raw, dict) or "label" not in raw:
        raise DefinitionError(f"{where}: every option needs a label")
    return Option(
        code=str(raw.get("code", index)),
        label=str(raw["label"]),
        aliases=_str_tuple(raw.get("aliases")),
        exclusive=bool(raw.get("exclusive", False)),
    )


def _question(raw: Any, seen: dict[str, Question], where: str) -> Question:
    if not isinstance(raw, dict) or "id" not in raw or "text" not in raw:
        raise DefinitionError(f"{where}: every question needs an id and a text")
    qid = str(raw["id"])
    qtype = str(raw.get("type", "single"))
    where = f"{where} question {qid}"
    if qid in seen:
        raise DefinitionError(f"{where}: duplicate question id")
    if qtype not in TYPES:
        raise DefinitionError(f"{where}: unknown type {qtype!r} (one of {', '.join(TYPES)})")
    raw_options = raw.get("options") or []
    if qtype == "scale5" and not raw_options:
        raw_options = [{"code": str(i + 1), "label": label} for i, label in enumerate(SCALE5_LABELS)]
    options = tuple(_option(o, i + 1, where) for i, o in enumerate(raw_options))
    if qtype in ("single", "multiple", "scale5") and len(options) < 2:
        raise DefinitionError(f"{where}: a choice question needs at least two options")
    if qtype == "scale5" and len(options) != 5:
        raise DefinitionError(f"{where}: a scale5 question has exactly five options")
    if len({o.code for o in options}) != len(options):
        raise DefinitionError(f"{where}: duplicate option codes")
    show_if = None
    if raw.get("show_if") is not None:
        cond = raw["show_if"]
        if not isinstance(cond, dict) or str(cond.get("question")) not in seen:
            raise DefinitionError(f"{where}: show_if must name an earlier question")
        earlier = seen[str(cond["question"])]
        show_if = ShowIf(str(cond["question"]), _str_tuple(cond.get("in")), _str_tuple(cond.get("not_in")))
        unknown = [c for c in show_if.any_of + show_if.none_of if earlier.option(c) is None]
        if unknown or not (show_if.any_of or show_if.none_of):
            raise DefinitionError(f"{where}: show_if needs `in` or `not_in` with option codes of {earlier.id}")
    return Question(
        id=qid,
        type=qtype,
        text=str(raw["text"]),
        options=options,
        required=bool(raw.get("required", True)),
        show_if=show_if,
        min=float(raw["min"]) if raw.get("min") is not None else None,
        max=float(raw["max"]) if raw.get("max") is not None else None,
        integer=bool(raw.get("integer", False)),
        max_length=int(raw.get("max_length", 500)),
    )


def _indicator(raw: Any, questions: dict[str, Question], where: str) -> Indicator:
    if not isinstance(raw, dict) or "key" not in raw or "question" not in raw:
        raise DefinitionError(f"{where}: every indicator needs a key and a question")
    where = f"{where} indicator {raw['key']}"
    question = questions.get(str(raw["question"]))
    if question is None or question.type not in ("single", "multiple", "scale5"):
        raise DefinitionError(f"{where}: the question must be a choice question of this survey")
    numerator = _str_tuple(raw.get("numerator"))
    excluded = _str_tuple(raw.get("excluded"))
    scores = {str(k): float(v) for k, v in (raw.get("scores") or {}).items()}
    for code in (*numerator, *excluded, *scores):
        if question.option(code) is None:
            raise DefinitionError(f"{where}: {code!r} is not an option of {question.id}")
    if not numerator or set(numerator) & set(excluded):
        raise DefinitionError(f"{where}: numerator options are required and cannot be excluded too")
    rule = str(raw.get("rule", "point"))
    if rule not in RULES:
        raise DefinitionError(f"{where}: rule must be one of {', '.join(RULES)}")
    target = float(raw.get("target", 0.9))
    if not 0 < target <= 1:
        raise DefinitionError(f"{where}: target is a share between 0 and 1")
    return Indicator(
        key=str(raw["key"]),
        name=str(raw.get("name", raw["key"])),
        question=question.id,
        numerator=numerator,
        excluded=excluded,
        scores=scores,
        target=target,
        rule=rule,
        method=str(raw.get("method", "")).strip(),
    )


def parse(data: Any, *, where: str = "survey") -> Survey:
    """A Survey from the loaded YAML structure (DefinitionError when invalid)."""
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("questions"), list):
        raise DefinitionError(f"{where}: needs an id and a list of questions")
    where = f"{where} ({data['id']})"
    seen: dict[str, Question] = {}
    for i, raw in enumerate(data["questions"], 1):
        q = _question(raw, seen, f"{where} #{i}")
        seen[q.id] = q
    indicators = tuple(_indicator(raw, seen, where) for raw in data.get("indicators") or [])
    if len({i.key for i in indicators}) != len(indicators):
        raise DefinitionError(f"{where}: duplicate indicator keys")
    try:
        version = int(data.get("version", 1))
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"{where}: version must be a whole number") from exc
    period = data.get("wave_period")
    if period is not None and period not in WAVE_PERIODS:
        raise DefinitionError(f"{where}: wave_period must be one of {', '.join(WAVE_PERIODS)}")
    if period is not None and data.get("wave") is not None:
        raise DefinitionError(f"{where}: give either a fixed wave or a wave_period, not both")
    return Survey(
        id=str(data["id"]),
        version=version,
        wave=str(data.get("wave", version)) if period is None else wave_for(str(period), dt.datetime.now(dt.UTC)),
        wave_period=None if period is None else str(period),
        title=str(data.get("title", data["id"])),
        intro=str(data.get("intro", "")).strip(),
        anonymous=bool(data.get("anonymous", False)),
        count_unverified=bool(data.get("count_unverified", False)),
        questions=tuple(seen.values()),
        indicators=indicators,
    )


def load_file(path: Path) -> Survey:
    """Read and validate one questionnaire file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefinitionError(f"{path.name}: cannot read ({exc})") from exc
    return parse(data, where=path.name)


_LISTINGS: dict[tuple[Path, int], tuple[Path, ...]] = {}  # (folder, its mtime) -> its *.yaml files


def _listing(folder: Path) -> tuple[Path, ...]:
    """The folder's *.yaml files, listed again only when the folder's mtime changes (a file added, removed, renamed)."""
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return ()
    found = _LISTINGS.get((folder, mtime))
    if found is None:
        found = tuple(sorted(folder.glob("*.yaml")))
        if time.time() - mtime / 1e9 > 2:  # a folder changed just now may change again within the clock's granularity
            if len(_LISTINGS) > 64:
                _LISTINGS.clear()
            _LISTINGS[(folder, mtime)] = found
    return found


def _files(extra_dir: Path | None) -> tuple[tuple[str, float], ...]:
    paths = _listing(DATA) + (_listing(extra_dir) if extra_dir is not None else ())
    stamped: list[tuple[str, float]] = []
    for p in paths:
        try:
            stamped.append((str(p), os.stat(p).st_mtime))
        except FileNotFoundError:  # removed since the listing: the folder's new mtime lists again next time
            continue
    return tuple(stamped)


@lru_cache(maxsize=8)
def _load(files: tuple[tuple[str, float], ...]) -> dict[str, Survey]:
    surveys: dict[str, Survey] = {}
    for name, _mtime in files:
        survey = load_file(Path(name))
        if survey.id not in surveys or survey.version >= surveys[survey.id].version:
            surveys[survey.id] = survey
    return surveys


def load_surveys(extra_dir: Path | None = None, *, now: dt.datetime | None = None) -> dict[str, Survey]:
    """Every questionnaire by id: the shipped ones plus those in `extra_dir` (the newest version of each id).

    Surveys whose wave follows the calendar get the wave in force at `now` (the current time when not given)."""
    moment = now or dt.datetime.now(dt.UTC)
    return {key: survey.at(moment) for key, survey in _load(_files(extra_dir)).items()}


WAVE_PERIODS = ("year", "half", "quarter", "month")
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def wave_for(period: str, now: dt.datetime) -> str:
    """The name of the calendar wave that contains `now` in Beijing time: 2026, 2026-H2, 2026-Q4 or 2026-12."""
    local = now.astimezone(LOCAL_TIME)
    if period == "year":
        return f"{local.year}"
    if period == "half":
        return f"{local.year}-H{1 if local.month <= 6 else 2}"
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    raise ValueError(f"unknown wave period {period!r}")
