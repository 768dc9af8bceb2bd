"""GET /metrics in the Prometheus text format: this process's request and answer counters, and totals from the database.

Counters are per process (scrape each `wufei serve` process as its own target); the push, survey and resident
figures are read from the database at scrape time, so every process reports the same, right, values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db import transaction
from campaigns.models import Delivery, Resident
from surveys.models import SurveyResponse

log = logging.getLogger(__name__)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class AnswerCollector(Collector):
    """How this process's dialogue ended each message: intent, "ratelimited", "dropped" or "error"."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """One counter sample per outcome."""
        family = CounterMetricFamily(
            "wufei_answers", "Messages answered by this process, by outcome (the intent …)", labels=["outcome"]
        )
        dialogue = getattr(self.app.state, "dialogue", None)
        counts = dialogue.outcomes.snapshot() if dialogue is not None else {}
        for outcome, n in sorted(counts.items()):
            family.add_metric([outcome], n)
        yield family


class DatabaseCollector(Collector):
    """Totals read from the database at scrape time (read-only queries)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Pushes by channel and ledger state, survey responses by survey and status, residents by status."""
        up = GaugeMetricFamily("wufei_database_up", "1 when the database answered the metrics queries")
        factory = getattr(self.app.state, "factory", None)
        if factory is None:
            up.add_metric([], 0)
            yield up
            return
        pushes = GaugeMetricFamily(
            "wufei_pushes", "Campaign ledger rows by channel and state", labels=["channel", "state"]
        )
        responses = GaugeMetricFamily(
            "wufei_survey_responses", "Survey responses by survey and status", labels=["survey", "status"]
        )
        residents = GaugeMetricFamily("wufei_residents", "Residents by status", labels=["status"])
        try:
            with transaction(factory) as session:
                for channel, state, n in session.execute(
                    select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state)
                ):
                    pushes.add_metric([channel or "none", state], n)
                for survey, status, n in session.execute(
                    select(SurveyResponse.survey_id, SurveyResponse.status, func.count()).group_by(
                        SurveyResponse.survey_id, SurveyResponse.status
                    )
                ):
                    responses.add_metric([survey, status], n)
                for status, n in session.execute(select(Resident.status, func.count()).group_by(Resident.status)):
                    residents.add_metric([status], n)
        except Exception:
            log.exception("metrics: the database queries failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (up, pushes, responses, residents)


def _route(scope: Scope) -> str:
    """The route template ("/survey/{survey_id}"), never the raw path, so labels stay few."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class CountRequests:
    """Count each HTTP request by method, route template and status: a plain ASGI middleware (no extra task, no
    re-wrapped body stream per request, as `@app.middleware("http")` would add)."""

    def __init__(self, app: ASGIApp, requests: Counter) -> None:
        self.app = app
        self.requests = requests
        # (method, route, status) -> its labelled child: `labels()` validates and locks on every call (1.1 µs against
        # 0.4); the keys are few (methods × route templates × statuses), so the dict stays small
        self._children: dict[tuple[str, str, str], Counter] = {}

    def count(self, method: str, route: str, status: str) -> None:
        """Add one request to its (method, route, status) sample."""
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, self.requests.labels(method, route, status))
        child.inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; count its status once the response starts (500 if it raised before)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "other"
        status = 0

        async def counted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counted_send)
        except Exception:
            self.count(method, _route(scope), "500")
            raise
        self.count(method, _route(scope), str(status or 500))


def install(app: FastAPI) -> None:
    """Add GET /metrics and the request-counting middleware (install after the other middleware: it counts theirs)."""
    registry = CollectorRegistry()
    requests = Counter(
        "wufei_http_requests",
        "HTTP requests handled by this process, by method, route template and status",
        ["method", "route", "status"],
        registry=registry,
    )
    registry.register(AnswerCollector(app))
    registry.register(DatabaseCollector(app))
    ProcessCollector(registry=registry)
    app.state.metrics = registry

    app.add_middleware(CountRequests, requests=requests)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """The Prometheus text exposition of this process."""
        # the registry from the request, not this closure: FastAPI's process-wide caches keep endpoint functions
        return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
