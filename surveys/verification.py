"""Who stands behind a counted answer: the kinds of responses, one-time codes from the bot, QR passes, the form limit.

Kinds: chat (a chat resident), link (a personal /s/ link), web_verified (the web form with a one-time code the bot gave
a resident, or with a pass printed as a QR code for one 无废细胞 or event and good for a limited number of answers),
web_unverified (the open web form: stored, shown apart as 未核验) and import (a file the office imported, audited).
The official figures count every kind but web_unverified, unless the survey file says `count_unverified: true`.

Unproved posts to the public form are counted per client address and survey in `survey_form_clients` (one atomic
upsert, so every process sees the same number); over the hourly limit the form answers 429 and the refusal is
recorded for the console.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveys.definition import Survey
from surveys.models import COMPLETED, SurveyCode, SurveyFormClient, SurveyPass, SurveyResponse

CHAT, LINK, WEB_VERIFIED, WEB_UNVERIFIED, IMPORT = "chat", "link", "web_verified", "web_unverified", "import"
KINDS = (CHAT, LINK, WEB_VERIFIED, WEB_UNVERIFIED, IMPORT)
KIND_NAMES = {
    CHAT: "聊天（公众号/Telegram/网页聊天）",
    LINK: "个人链接",
    WEB_VERIFIED: "网页问卷（已核验：验证码或二维码）",
    WEB_UNVERIFIED: "网页问卷（未核验）",
    IMPORT: "导入文件",
}
CODE, PASS, UNVERIFIED = "code", "pass", "unverified"  # survey_responses.verification of web-form answers
CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=30)
HOUR = dt.timedelta(hours=1)
BEIJING = dt.timezone(dt.timedelta(hours=8))


def kind_expr() -> ColumnElement[Any]:
    """The kind of a response as an SQL expression (web answers split by their proof)."""
    return case(
        (SurveyResponse.verification == UNVERIFIED, WEB_UNVERIFIED),
        (SurveyResponse.source == "web", WEB_VERIFIED),
        else_=SurveyResponse.source,
    )


def kind_of(source: str, verification: str | None) -> str:
    """The kind of one response (the same reading as `kind_expr`)."""
    if verification == UNVERIFIED:
        return WEB_UNVERIFIED
    return WEB_VERIFIED if source == "web" else source


def counted_kinds(survey: Survey) -> list[str]:
    """The kinds the official figures of `survey` count."""
    return [k for k in KINDS if k != WEB_UNVERIFIED or survey.count_unverified]


def official(survey: Survey) -> ColumnElement[bool] | None:
    """The condition a response meets to count in the official figures (None: every response counts)."""
    if survey.count_unverified:
        return None
    return or_(SurveyResponse.verification.is_(None), SurveyResponse.verification != UNVERIFIED)


def kind_counts(session: Session, survey: Survey, wave: str | None) -> dict[str, int]:
    """Completed responses of each kind (every kind listed, zeros included)."""
    kind = kind_expr()
    query = select(kind, func.count()).where(SurveyResponse.survey_id == survey.id, SurveyResponse.status == COMPLETED)
    if wave is not None:
        query = query.where(SurveyResponse.wave == wave)
    found = {str(k): int(n) for k, n in session.execute(query.group_by(kind))}
    return {k: found.get(k, 0) for k in KINDS} | {k: n for k, n in found.items() if k not in KINDS}


def _hash(salt: str, survey_id: str, secret: str) -> str:
    return hmac.new(salt.encode(), f"verify\x1f{survey_id}\x1f{secret}".encode(), hashlib.sha256).hexdigest()


def normalise_code(text: str) -> str:
    """A code as typed (full-width digits, spaces) in plain ASCII digits."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def issue_code(
    session: Session, *, survey_id: str, resident_id: int, salt: str, now: dt.datetime, ttl: dt.timedelta = CODE_TTL
) -> str:
    """A fresh one-time code for `resident_id`, unlike every other code still open for the survey."""
    session.execute(  # one open code per resident and survey: asking again replaces the last one
        update(SurveyCode)
        .where(
            SurveyCode.survey_id == survey_id,
            SurveyCode.resident_id == resident_id,
            SurveyCode.used_at.is_(None),
            SurveyCode.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    for _ in range(20):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = _hash(salt, survey_id, code)
        taken = session.scalar(
            select(func.count())
            .select_from(SurveyCode)
            .where(
                SurveyCode.survey_id == survey_id,
                SurveyCode.code_hash == digest,
                SurveyCode.used_at.is_(None),
                SurveyCode.expires_at > now,
            )
        )
        if not taken:
            session.add(
                SurveyCode(
                    survey_id=survey_id, code_hash=digest, resident_id=resident_id, created_at=now, expires_at=now + ttl
                )
            )
            session.flush()
            return code
    raise RuntimeError("no free survey code")  # a million codes open at once: not a real situation


def find_code(session: Session, *, survey_id: str, code: str, salt: str, now: dt.datetime) -> SurveyCode | None:
    """The open code row matching `code` (locked until the transaction ends), or None."""
    digits = normalise_code(code)
    if len(digits) != CODE_DIGITS:
        return None
    return (
        session.execute(
            select(SurveyCode)
            .where(
                SurveyCode.survey_id == survey_id,
                SurveyCode.code_hash == _hash(salt, survey_id, digits),
                SurveyCode.used_at.is_(None),
                SurveyCode.expires_at > now,
            )
            .with_for_update()
        )
        .scalars()
        .first()
    )


def create_pass(
    session: Session,
    *,
    survey_id: str,
    label: str,
    max_uses: int,
    salt: str,
    now: dt.datetime,
    created_by: str | None = None,
    expires_at: dt.datetime | None = None,
) -> str:
    """A new pass token for one cell or event (print /survey/<id>?pass=<token> as a QR code); only its hash is kept."""
    if max_uses < 1:
        raise ValueError("max_uses must be at least 1")
    token = secrets.token_urlsafe(18)
    session.add(
        SurveyPass(
            token_hash=_hash(salt, survey_id, token),
            survey_id=survey_id,
            label=label[:128],
            max_uses=max_uses,
            uses=0,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return token


def _pass_open(survey_id: str, token: str, salt: str, now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        SurveyPass.token_hash == _hash(salt, survey_id, token[:64]),
        SurveyPass.survey_id == survey_id,
        SurveyPass.uses < SurveyPass.max_uses,
        or_(SurveyPass.expires_at.is_(None), SurveyPass.expires_at > now),
    ]


def find_pass(session: Session, *, survey_id: str, token: str, salt: str, now: dt.datetime) -> SurveyPass | None:
    """The pass if it is genuine, unexpired and has uses left."""
    return session.execute(select(SurveyPass).where(*_pass_open(survey_id, token, salt, now))).scalars().first()


def use_pass(session: Session, *, survey_id: str, token: str, salt: str, now: dt.datetime) -> bool:
    """Take one use of the pass atomically; False when it is unknown, expired or used up."""
    taken = session.execute(
        update(SurveyPass)
        .where(*_pass_open(survey_id, token, salt, now))
        .values(uses=SurveyPass.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return int(taken.rowcount) == 1  # type: ignore[attr-defined]


def give_back_pass(session: Session, *, survey_id: str, token: str, salt: str) -> None:
    """Return a use taken for an answer that was not stored after all."""
    session.execute(
        update(SurveyPass)
        .where(SurveyPass.token_hash == _hash(salt, survey_id, token[:64]), SurveyPass.uses > 0)
        .values(uses=SurveyPass.uses - 1)
        .execution_options(synchronize_session=False)
    )


def hour_start(now: dt.datetime) -> dt.datetime:
    """The clock hour `now` falls in (the form limit's window)."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def retry_after(now: dt.datetime) -> int:
    """Seconds until the form limit's window of `now` ends."""
    return max(1, int((hour_start(now) + HOUR - now).total_seconds() + 0.999))


def check_form(session: Session, *, client: str, survey_id: str, now: dt.datetime, per_hour: int) -> bool:
    """Count one unproved post of `client` to the survey's form; False (and the refusal recorded) when over the limit."""
    if per_hour <= 0:
        return True
    start = hour_start(now)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = insert(SurveyFormClient).values(
        client=client[:64], survey_id=survey_id, window_start=start, posts=1, refused=0
    )
    same = SurveyFormClient.window_start >= row.excluded.window_start  # >=: a process whose clock lags joins in
    upsert = row.on_conflict_do_update(
        index_elements=[SurveyFormClient.client, SurveyFormClient.survey_id],
        set_={
            "posts": case((same, SurveyFormClient.posts + 1), else_=1),
            "window_start": case((same, SurveyFormClient.window_start), else_=row.excluded.window_start),
        },
    ).returning(SurveyFormClient.posts)
    posts = int(session.execute(upsert).scalar_one())
    if posts <= per_hour:
        return True
    session.execute(
        update(SurveyFormClient)
        .where(SurveyFormClient.client == client[:64], SurveyFormClient.survey_id == survey_id)
        .values(refused=SurveyFormClient.refused + 1, last_refused_at=now)
        .execution_options(synchronize_session=False)
    )
    return False


def purge_form_clients(session: Session, *, now: dt.datetime, older_than: dt.timedelta = dt.timedelta(days=8)) -> int:
    """Forget form clients not seen for `older_than` (the console shows a week of refusals); returns how many."""
    gone = session.execute(delete(SurveyFormClient).where(SurveyFormClient.window_start < now - older_than))
    return int(gone.rowcount)  # type: ignore[attr-defined]


def mask(client: str) -> str:
    """A client address as shown to staff: enough to tell floods apart, not the whole address."""
    if "." in client and ":" not in client:
        parts = client.split(".")
        return ".".join([*parts[:2], "*", "*"]) if len(parts) == 4 else client
    return client.split("/")[0].rsplit(":", 2)[0] + ":*" if ":" in client else client


def activity(session: Session, survey: Survey, *, now: dt.datetime, days: int = 7) -> dict[str, Any]:
    """What the console shows about floods: unverified web answers per day and per hour, and throttled clients."""
    since = now - dt.timedelta(days=days)
    per_day: dict[str, int] = {}
    for hour, n in _unverified_per_hour(session, survey, since=since).items():
        day = hour.astimezone(BEIJING).strftime("%Y-%m-%d")  # Beijing is a whole number of hours ahead of UTC
        per_day[day] = per_day.get(day, 0) + n
    recent = _unverified_per_hour(session, survey, since=now - dt.timedelta(hours=24))
    per_hour = {hour.astimezone(BEIJING).strftime("%m-%d %H:00"): n for hour, n in recent.items()}
    throttled = session.execute(
        select(SurveyFormClient.client, SurveyFormClient.refused, SurveyFormClient.last_refused_at)
        .where(
            SurveyFormClient.survey_id == survey.id,
            SurveyFormClient.refused > 0,
            SurveyFormClient.last_refused_at >= since,
        )
        .order_by(SurveyFormClient.last_refused_at.desc())
        .limit(20)
    ).all()
    return {
        "unverified_by_day": sorted(per_day.items()),
        "unverified_by_hour": sorted(per_hour.items()),
        "throttled": [
            {"client": mask(c), "refused": int(n), "last": last.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")}
            for c, n, last in throttled
            if last is not None
        ],
        "days": days,
    }


def _unverified_per_hour(session: Session, survey: Survey, *, since: dt.datetime) -> dict[dt.datetime, int]:
    """Completed unverified web answers since `since` per UTC hour, counted by the database (one row per hour)."""
    column = SurveyResponse.completed_at
    if session.get_bind().dialect.name == "postgresql":
        hour = func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    else:
        hour = func.strftime("%Y-%m-%d %H", column)  # SQLite keeps UTC text
    rows = session.execute(
        select(hour, func.count())
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.status == COMPLETED,
            SurveyResponse.verification == UNVERIFIED,
            column >= since,
        )
        .group_by(hour)
    )
    return {
        dt.datetime.strptime(str(h), "%Y-%m-%d %H").replace(tzinfo=dt.UTC): int(n) for h, n in rows if h is not None
    }


def kind_table(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    """Rows (kind name, responses, 计入/不计入正式统计) of a report built by surveys.report.build."""
    counted = set(report.get("counted_kinds", KINDS))
    names = report.get("kind_names", KIND_NAMES)
    return [
        (names.get(kind, kind), int(n), "计入" if kind in counted else "不计入")
        for kind, n in report.get("kinds", {}).items()
    ]
