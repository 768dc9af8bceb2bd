"""Every HTTP route of an app, including those of included routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for each APIRoute, walking into included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI ≥0.120 keeps included routers as a unit
            context = getattr(route, "include_context", None)
            yield from api_routes(route.original_router.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif hasattr(route, "routes") and hasattr(route, "path"):  # a Mount
            yield from api_routes(list(route.routes), prefix + route.path)
