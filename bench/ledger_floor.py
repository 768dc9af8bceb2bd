"""The fan-out benches' floor: the same ledger rows bulk-inserted into a copy of `deliveries`, in two variants.

`bare`: a copy made with CREATE TABLE AS (no primary key, no index, no foreign key), the cheapest possible write.
`indexed`: a copy with the ledger's own primary key, unique constraint, indexes (partial ones included) and foreign
keys, so the floor pays the same per-row upkeep as the real table. The benches print ours ÷ each floor.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Connection, MetaData, Table, insert, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import quoted_name

from bot.db import transaction
from campaigns.models import Campaign, CampaignRun, Delivery, Resident

VARIANTS = ("bare", "indexed")


def _table(conn: Connection, name: str, variant: str) -> Any:
    """Create the copy `name` and return its Table."""
    meta = MetaData()
    for referred in (Campaign, CampaignRun, Resident):
        cast(Table, referred.__table__).to_metadata(meta)  # only so the copy's foreign keys resolve; not created
    copy = cast(Table, Delivery.__table__).to_metadata(meta, name=name)
    if variant == "bare":
        conn.execute(text(f"CREATE TABLE {name} AS SELECT * FROM deliveries WHERE 1 = 0"))
        return copy
    for index in copy.indexes:
        index.name = quoted_name(f"{name}_{index.name}", None)
    for constraint in copy.constraints:
        if isinstance(constraint.name, str):
            constraint.name = f"{name}_{constraint.name}"
    copy.create(conn)
    return copy


def drop(conn: Connection) -> None:
    """Drop the floor tables of an earlier run."""
    for variant in VARIANTS:
        conn.execute(text(f"DROP TABLE IF EXISTS bench_ledger_{variant}"))


def bulk_insert(factory: sessionmaker[Session], rows: list[dict[str, Any]], variant: str) -> float:
    """Seconds to insert `rows` into a fresh copy of the given variant: executemany of 10,000, one transaction."""
    name = f"bench_ledger_{variant}"
    with transaction(factory) as session:
        conn = session.connection()
        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
        table = _table(conn, name, variant)
    t = time.perf_counter()
    with transaction(factory) as session:
        conn = session.connection()
        for lo in range(0, len(rows), 10_000):
            conn.execute(insert(table), rows[lo : lo + 10_000])
    return time.perf_counter() - t


def ledger_rows(
    n: int, *, channel: str, state: str, t0: dt.datetime, external_id: Callable[[int], str]
) -> list[dict[str, Any]]:
    """n ledger rows of campaign 1, run 1, residents 1..n (which the benches seed), as the floor writes them."""
    return [
        {"campaign_id": 1, "run_id": 1, "resident_id": i, "channel": channel, "external_id": external_id(i),
         "state": state, "attempts": 0, "next_attempt_at": t0, "created_at": t0, "updated_at": t0, "id": i}
        for i in range(1, n + 1)
    ]  # fmt: skip
