"""The neutral answer every knowledge component returns, and its JSON shape (`wufei ask --json`, /api/chat)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("可回收物", "有害垃圾", "厨余垃圾", "其他垃圾", "大件垃圾", "装修垃圾", "园林垃圾", "非生活垃圾")
INTENTS = ("sorting", "policy", "faq", "command", "smalltalk", "clarify", "unknown")


@dataclass
class ItemAnswer:
    """How one item in the question is sorted."""

    name: str  # the catalogue item that answered
    query: str  # what the resident wrote for it
    category: str
    condition: str | None = None  # the condition assumed or stated (干净、有油污 …)
    rural: str | None = None  # the 二次四分 answer for rural residents
    source: str = ""
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """The JSON object of one item."""
        return {
            "name": self.name,
            "query": self.query,
            "category": self.category,
            "condition": self.condition,
            "rural": self.rural,
            "source": self.source,
            "confidence": round(self.confidence, 3),
        }


@dataclass
class Choice:
    """One option of a clarifying question."""

    key: str  # "1", "2" …
    label: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    """A full answer: intent, items, confidence, the reply text and where it came from."""

    intent: str
    text: str
    confidence: float = 0.0
    source: str = ""
    items: list[ItemAnswer] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"targets": [...]} or {"units": {...}} for policy
    pending: dict[str, Any] | None = None  # clarification state to keep for the resident's next message

    def __post_init__(self) -> None:
        if self.intent not in INTENTS:
            raise ValueError(f"unknown intent {self.intent!r}")

    def to_json(self) -> dict[str, Any]:
        """The JSON object printed by `wufei ask --json` and returned by /api/chat."""
        data: dict[str, Any] = {
            "intent": self.intent,
            "items": [item.to_json() for item in self.items],
            "confidence": round(self.confidence, 3),
            "text": self.text,
            "source": self.source,
        }
        if self.choices:
            data["choices"] = [{"key": c.key, "label": c.label} for c in self.choices]
        data.update(self.extra)
        return data
