"""/admin/surveys: 问卷与指标 in the console — questionnaires and counts, the indicators with intervals against
their targets, breakdowns, downloads and imports of answers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api.surveys import (
    ALL_WAVES,
    DEFAULT_BY,
    DIMENSION_NAMES,
    DOWNLOADS,
    MAX_IMPORT_BYTES,
    MAX_MAP_BYTES,
    ImportRefused,
    build_report,
    check_by,
    download,
    find_survey,
    import_json,
    import_summary,
    resolve_wave,
    run_import,
    survey_rows,
    surveys_of,
)
from bot.web.admin_auth import ConsoleUser
from bot.web.admin_auth import console as console_access
from bot.web.console import pages as console
from surveys import chart, html_report, verification
from surveys.definition import Survey
from surveys.tally import GROUPABLE

router = APIRouter(prefix="/admin", include_in_schema=False)
NAV = "surveys"
STATUS_NAMES = {"completed": "已完成", "in_progress": "进行中", "stopped": "中途退出", "expired": "超时未完成"}
DOWNLOAD_LABELS = {
    "indicators.xlsx": "指标工作簿 XLSX",
    "indicators.csv": "指标 CSV",
    "indicators.png": "指标图 PNG",
    "indicators.html": "HTML 报告",
    "responses.csv": "全部回答 CSV",
}
console.add_nav(NAV, "问卷与指标", "/admin/surveys", "surveys")


def _factory(request: Request) -> Any:
    return request.app.state.factory


def _default_survey(request: Request) -> str:
    found = surveys_of(request)
    return "public" if "public" in found else next(iter(found), "")


def _page(
    request: Request,
    user: ConsoleUser,
    *,
    survey_id: str,
    wave: str,
    by: str,
    weighted: bool = False,
    status: int = 200,
    **ctx: Any,
) -> Response:
    """The 问卷与指标 page for one survey, wave and breakdown dimension (weighted by population when asked)."""
    survey = find_survey(request, survey_id)
    chosen = resolve_wave(survey, wave)
    dims = check_by([by] if by else [])
    with transaction(_factory(request)) as session:
        rows = survey_rows(request, session)
        data = build_report(request, session, survey, wave=chosen, by=dims, weighted=weighted, with_trend=True)
        flood = verification.activity(session, survey, now=utcnow())  # unverified answers per day, throttled clients
    current = next(r for r in rows if r["id"] == survey.id)
    waves = [survey.wave, *(w["wave"] for w in current["waves"] if w["wave"] != survey.wave)]
    query = {"wave": wave or survey.wave, **({"by": by} if by else {})}
    weighting = {"weighted": "1"} if weighted else {}
    downloads = [
        {
            "label": DOWNLOAD_LABELS[name],
            "href": f"/admin/surveys/{survey.id}/download/{name}?"
            + urlencode(
                {"wave": query["wave"], "by": list(dict.fromkeys([*DEFAULT_BY, *dims])), **weighting}, doseq=True
            ),
            "name": name,
        }
        for name in DOWNLOADS
    ]
    return console.render(
        request,
        "survey.html",
        user,
        NAV,
        status=status,
        surveys=rows,
        survey=survey,
        current=current,
        status_names=STATUS_NAMES,
        waves=waves,
        wave=wave or survey.wave,
        all_waves=ALL_WAVES,
        by=by,
        dimensions=[(d, DIMENSION_NAMES.get(d, d)) for d in GROUPABLE],
        dimension_names=DIMENSION_NAMES,
        dimension_name=DIMENSION_NAMES.get(by, by),
        report=data,
        breakdown=_breakdown(data, by),
        chart_src=f"/admin/surveys/{survey.id}/chart.png?" + urlencode({"wave": query["wave"], **weighting}),
        report_href=f"/admin/surveys/{survey.id}/report?" + urlencode({"wave": query["wave"], **weighting}),
        weighted=weighted,
        can_weight=request.app.state.settings.surveys.weights_file is not None,
        downloads=downloads,
        flood=flood,
        can_write=user.can("surveys", True),
        **ctx,
    )


def _breakdown(data: dict[str, Any], by: str) -> list[dict[str, Any]]:
    """Rows of the breakdown table: a value and its figure for each indicator (None where it has no answers)."""
    keys = [item["key"] for item in data["indicators"]]
    rows = []
    for value, items in data["breakdown"].get(by, {}).items():
        found = {item["key"]: item for item in items}
        rows.append({"value": value, "items": [found.get(k) for k in keys]})
    return rows


@router.get("/surveys", response_class=HTMLResponse)
def surveys_page(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console_access("surveys"))],
    survey: Annotated[str, Query(max_length=32)] = "",
    wave: Annotated[str, Query(max_length=32)] = "",
    by: Annotated[str, Query(max_length=32)] = "township",
    weighted: bool = False,
) -> Response:
    """问卷与指标: surveys with counts, the indicators, a breakdown, downloads and the import form."""
    return _page(
        request,
        user,
        survey_id=survey or _default_survey(request),
        wave=wave,
        by=by,
        weighted=weighted,
        **console.messages(request),
    )


@router.get("/surveys/{survey_id}/chart.png")
def chart_png(
    survey_id: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console_access("surveys"))],
    wave: Annotated[str, Query(max_length=32)] = "",
    weighted: bool = False,
) -> Response:
    """The indicator chart shown on the page (the audited download is under /download)."""
    survey = find_survey(request, survey_id)
    with transaction(_factory(request)) as session:
        data = build_report(request, session, survey, wave=resolve_wave(survey, wave), by=[], weighted=weighted)
    return Response(chart.render_png(data), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/surveys/{survey_id}/report", response_class=HTMLResponse)
def printable_report(
    survey_id: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console_access("surveys"))],
    wave: Annotated[str, Query(max_length=32)] = "",
    weighted: bool = False,
) -> Response:
    """The printable indicator report (summary, trend, chart, breakdowns, method), for staff only and audited."""
    survey = find_survey(request, survey_id)
    chosen = resolve_wave(survey, wave)
    with transaction(_factory(request)) as session:
        data = build_report(
            request, session, survey, wave=chosen, by=list(DEFAULT_BY), weighted=weighted, with_trend=True
        )
        audit.record(
            session, user.actor.name, "survey.report", survey.id, now=utcnow(), wave=chosen, n=data["n"],
            **({"weighted": True} if weighted else {}),
        )  # fmt: skip
    page = html_report.render_html(data, chart_png=chart.render_png(data))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


@router.get("/surveys/{survey_id}/download/{name}")
def download_file(
    survey_id: str,
    name: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console_access("surveys"))],
    wave: Annotated[str, Query(max_length=32)] = "",
    by: Annotated[list[str] | None, Query()] = None,
    weighted: bool = False,
) -> Response:
    """A download (XLSX workbook, indicator CSV, PNG, HTML report, responses CSV), audited."""
    if name not in DOWNLOADS:
        raise HTTPException(404, f"没有这种下载：{name}")
    survey = find_survey(request, survey_id)
    fmt = DOWNLOADS[name][0]
    return download(
        request, user.actor, survey, fmt, wave=resolve_wave(survey, wave), by=check_by(by or []), weighted=weighted
    )


@router.post("/surveys/{survey_id}/import", response_class=HTMLResponse)
async def import_answers(
    survey_id: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console_access("surveys", True))],
    file: UploadFile | None = None,
    mapping: UploadFile | None = None,
    skip_bad: Annotated[bool, Form()] = False,
    wave: Annotated[str, Form(max_length=32)] = "",
    by: Annotated[str, Form(max_length=32)] = "township",
) -> Response:
    """Import an uploaded file and show the per-row report on the page."""
    survey: Survey = find_survey(request, survey_id)
    data = await file.read(MAX_IMPORT_BYTES + 1) if file is not None else b""
    map_data = await mapping.read(MAX_MAP_BYTES + 1) if mapping is not None and mapping.filename else None
    try:
        result = await run_in_threadpool(
            run_import,
            request,
            user.actor,
            survey,
            data,
            (file.filename or "") if file is not None else "",
            map_data=map_data,
            map_name=(mapping.filename or "") if mapping is not None else "",
            skip_bad=skip_bad,
        )
    except ImportRefused as exc:
        return _page(request, user, survey_id=survey.id, wave=wave, by=by, status=422, error=str(exc))
    refused = bool(result.bad) and not result.committed
    summary = import_summary(result)
    return _page(
        request,
        user,
        survey_id=survey.id,
        wave=wave,
        by=by,
        status=422 if refused else 200,
        ok=None if refused else summary,
        error=summary if refused else None,
        import_result=import_json(result),
    )
