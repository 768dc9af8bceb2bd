"""deliveries: index only the rows being claimed — fewer index writes per recipient when a campaign fans out

`ix_deliveries_state_next` (state, next_attempt_at) held every ledger row, and its only readers look for the few
`sending` rows whose lease ran out (`ledger.recover_stale`); it becomes `ix_deliveries_sending` (claimed_until) WHERE
state = 'sending'. `ix_deliveries_claim_token` held a NULL entry for every unclaimed row; its readers always ask for a
token, so it becomes partial WHERE claim_token IS NOT NULL. A materialised row and a web-outbox sent mark each write
two index entries fewer (BENCHMARKS.md, "Speed v2, round 6").

Revision ID: 0030
Revises: 0008
Create Date: 2026-12-06 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0008"
branch_labels = None
depends_on = None

SENDING = sa.text("state = 'sending'")
CLAIMED = sa.text("claim_token IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_deliveries_state_next", table_name="deliveries")
    op.create_index(
        "ix_deliveries_sending", "deliveries", ["claimed_until"], postgresql_where=SENDING, sqlite_where=SENDING
    )
    op.drop_index("ix_deliveries_claim_token", table_name="deliveries")
    op.create_index(
        "ix_deliveries_claim_token", "deliveries", ["claim_token"], postgresql_where=CLAIMED, sqlite_where=CLAIMED
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_claim_token", table_name="deliveries")
    op.create_index("ix_deliveries_claim_token", "deliveries", ["claim_token"])
    op.drop_index("ix_deliveries_sending", table_name="deliveries")
    op.create_index("ix_deliveries_state_next", "deliveries", ["state", "next_attempt_at"])
