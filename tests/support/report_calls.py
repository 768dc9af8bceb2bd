"""Counting the indicator computations (report.build, report.trend) behind the shared report cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from surveys import report, report_cache


def count_report_calls(
    monkeypatch: pytest.MonkeyPatch, label: Callable[[dict[str, Any]], str] = lambda kwargs: "build"
) -> list[str]:
    """Empty the cache and record each computation run from now on: `label(kwargs)` for a build, "trend" for a trend."""
    calls: list[str] = []
    real_build, real_trend = report.build, report.trend

    def build(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(label(kwargs))
        return real_build(*args, **kwargs)

    def trend(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        calls.append("trend")
        return real_trend(*args, **kwargs)

    monkeypatch.setattr(report, "build", build)
    monkeypatch.setattr(report, "trend", trend)
    report_cache.clear()
    return calls
