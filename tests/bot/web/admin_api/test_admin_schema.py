"""schemathesis against the OpenAPI schema of /api/admin with a valid admin token: no 5xx, and every response
conforms to the schema where one is declared.

Each operation gets a bounded number of generated cases (valid and invalid); run with `-s` to see the counts of
operations, cases and failures (they go into BENCHMARKS.md). The test has its own database (the `settings`
fixture), so cases that create users, disable them or start campaigns harm nothing else; only the calling admin is
kept out of the generated path parameters, or a case could lock the rest of the run out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from bot.config import Settings
from bot.db import session_factory
from bot.web.app import create_app
from tests.support.admin import make_staff
from tests.support.server import running_server

ADMIN = "schema-fuzz-admin"
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 25, schemathesis.GenerationMode.NEGATIVE: 15}
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _run_operation(
    operation: Any, mode: schemathesis.GenerationMode, base: str, headers: dict[str, str], tally: Counter[str]
) -> list[str]:
    failures: list[str] = []
    strategy = operation.as_strategy(generation_mode=mode).filter(
        lambda case: (case.path_parameters or {}).get("name") != ADMIN
    )

    @hypothesis_settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # a failure is recorded, not raised: nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        tally["cases"] += 1
        response = case.call(base_url=base, headers=headers, timeout=60)
        tally[f"status {response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            kinds = ", ".join(sorted({failure.title for failure in group.exceptions}))
            failures.append(f"{operation.label} [{mode.value}] → {response.status_code}: {kinds}\n{group}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid, e.g. GET /me has no parameters
        tally[f"no {mode.value} cases"] += 1
    return failures


def test_admin_api_survives_schemathesis_with_a_valid_token(settings: Settings) -> None:
    with running_server(settings) as base:
        admin = make_staff(session_factory(settings.db_url), ADMIN, "admin")
        schema = schemathesis.openapi.from_url(base + "/openapi.json").include(path_regex="^/api/admin/")
        operations = [result.ok() for result in schema.get_all_operations()]
        tally: Counter[str] = Counter()
        failures: list[str] = []
        for operation in operations:
            for mode in EXAMPLES:
                failures += _run_operation(operation, mode, base, admin.headers, tally)
        me = httpx.get(base + "/api/admin/me", headers=admin.headers)  # the run did not lock its own admin out
    print(f"\nschemathesis /api/admin: {len(operations)} operations, {tally['cases']} cases, {len(failures)} failures;")
    print("  " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()) if k.startswith("status")))
    assert len(operations) >= 40  # every admin route is in the schema
    assert tally["cases"] >= 10 * len(operations)
    assert tally["status 2xx"] > 0  # the token was accepted: the cases reached the handlers
    assert me.status_code == 200 and me.json() == {"name": ADMIN, "role": "admin"}
    kinds = Counter(failure.split("\n", 1)[0] for failure in failures)
    assert not failures, "\n".join(f"{n:4} × {kind}" for kind, n in kinds.most_common()) + "\n\n" + failures[0]


def test_a_nul_character_or_an_overlong_id_is_a_422_not_a_500(settings: Settings, backend: str) -> None:
    # the two crashes schemathesis found: PostgreSQL refuses NUL in text, and ids beyond INTEGER overflow the driver
    with TestClient(create_app(settings)) as client:
        admin = make_staff(session_factory(settings.db_url), ADMIN, "admin")
        nul = [
            client.get("/api/admin/audit", params={"who": "a\x00b"}, headers=admin.headers),
            client.get("/api/admin/segments/preview", params={"name": "a\x00b"}, headers=admin.headers),
            client.patch("/api/admin/users/a%00b", json={"disabled": True}, headers=admin.headers),
        ]
        if backend == "postgres":
            assert [r.status_code for r in nul] == [422, 422, 422]
            assert "无法保存" in nul[0].json()["detail"]
        else:  # SQLite stores NUL: nothing matches
            assert [r.status_code for r in nul] == [200, 404, 404]
        for path in ("/api/admin/campaigns/9223372036854775808", "/api/admin/cells/2147483648/members"):
            r = client.get(path, headers=admin.headers)
            assert r.status_code == 422 and r.json()["errors"][0]["loc"][0] == "path", path
        assert client.get("/api/admin/campaigns/2147483647", headers=admin.headers).status_code == 404
