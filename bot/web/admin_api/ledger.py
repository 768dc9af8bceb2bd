"""/api/admin: a campaign's per-recipient ledger (deliveries), as pages and as a CSV download."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from bot import tabular
from bot.admin import audit
from bot.admin.accounts import Actor
from bot.db import transaction, utcnow
from bot.web.admin_api.campaigns import CHANNEL_NAMES, get_campaign
from bot.web.admin_api.core import Cursor, Offset, RowId
from bot.web.admin_auth import api
from campaigns import ledger
from campaigns.texts import DELIVERY_STATES, LEDGER_COLUMNS, REASONS

router = APIRouter(prefix="/api/admin", tags=["admin: 宣传活动与无废细胞"])


def _factory(request: Request) -> Any:
    return request.app.state.factory


def ledger_filters(status: list[str] | None, channel: list[str] | None) -> dict[str, Any]:
    """Checked ledger filters; HTTP 422 for an unknown state."""
    wanted = [s for s in status or [] if s]
    unknown = [s for s in wanted if s not in ledger.STATES]
    if unknown:
        raise HTTPException(422, f"未知的发送状态：{'、'.join(unknown)}（可用：{'、'.join(ledger.STATES)}）")
    return {"status": wanted or None, "channel": [c for c in channel or [] if c] or None}


def ledger_row(r: dict[str, Any]) -> dict[str, Any]:
    """A ledger row with Chinese names for its state, reason and channel."""
    return {
        **r,
        "state_name": DELIVERY_STATES.get(r["state"], r["state"]),
        "reason_name": REASONS.get(r["reason"], r["reason"]) if r["reason"] else "",
        "channel_name": CHANNEL_NAMES.get(r["channel"] or "", r["channel"] or ""),
    }


@router.get("/campaigns/{campaign_id}/ledger")
def ledger_page(
    campaign_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    status: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
    after_id: Cursor = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """One page of the per-recipient ledger; `status` and `channel` may repeat; page on with `next_after_id`."""
    filters = ledger_filters(status, channel)
    with transaction(_factory(request)) as session:
        get_campaign(session, campaign_id)
        got = ledger.page(session, campaign_id, **filters, after_id=after_id, offset=offset, limit=limit)
    return {"total": got.total, "next_after_id": got.next_after_id, "rows": [ledger_row(r) for r in got.rows]}


def ledger_csv(factory: Any, campaign_id: int, filters: dict[str, Any]) -> Iterator[str]:
    """The ledger as CSV (UTF-8 with BOM), page by page: memory stays flat however large the campaign."""
    out = io.StringIO()
    writer = tabular.csv_writer(out, bom=True)
    writer.writerow(LEDGER_COLUMNS.values())
    after: int | None = None
    while True:
        with transaction(factory) as session:
            got = ledger.page(session, campaign_id, **filters, after_id=after, limit=1000)
        writer.writerows(ledger.csv_values(r) for r in got.rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if got.next_after_id is None:
            return
        after = got.next_after_id


def ledger_download(request: Request, campaign_id: int, filters: dict[str, Any], actor: Actor) -> Response:
    """The CSV download response (the export is audited)."""
    with transaction(_factory(request)) as session:
        campaign = get_campaign(session, campaign_id)
        audit.record(
            session, actor.name, "campaign.export", f"#{campaign.id} {campaign.name}", now=utcnow(),
            **{k: v for k, v in filters.items() if v},
        )  # fmt: skip
    return StreamingResponse(
        ledger_csv(_factory(request), campaign_id, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}-ledger.csv"'},
    )


@router.get("/campaigns/{campaign_id}/ledger.csv", response_class=Response)
def ledger_export(
    campaign_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    status: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """Every matching ledger row as CSV (UTF-8 with BOM, opens in Excel)."""
    return ledger_download(request, campaign_id, ledger_filters(status, channel), actor)
