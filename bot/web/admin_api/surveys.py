"""/api/admin/surveys: questionnaires with response counts, the three indicators with breakdowns, downloads (XLSX,
CSV, PNG, HTML) and imports of answers collected elsewhere. The console pages reuse the helpers here."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.accounts import Actor
from bot.db import transaction, utcnow
from bot.web.admin_auth import api
from surveys import chart, export, html_report, report_cache
from surveys.definition import DefinitionError, Survey, load_surveys
from surveys.importer import ImportReport, import_file
from surveys.mapping import load_map
from surveys.models import STATUSES, SurveyResponse
from surveys.tally import GROUPABLE
from surveys.weights import load_population

router = APIRouter(prefix="/api/admin", tags=["admin"])
ALL_WAVES = "all"
DEFAULT_BY = ("township", "age_band", "identity")  # breakdowns of the downloads when none is asked for
FORMATS = ("xlsx", "csv", "png", "html", "responses.csv")
MAX_IMPORT_BYTES = 8 * 1024 * 1024
MAX_MAP_BYTES = 256 * 1024
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAP_SUFFIXES = (".yaml", ".yml", ".json")
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "responses.csv": "text/csv; charset=utf-8",
    "png": "image/png",
    "html": "text/html; charset=utf-8",
}
DIMENSION_NAMES = {**html_report.DIM_NAMES}


def _factory(request: Request) -> Any:
    return request.app.state.factory


# -- shared with the console ----------------------------------------------------------------------------------------


def surveys_of(request: Request) -> dict[str, Survey]:
    """Every questionnaire (shipped plus settings.surveys.extra_dir); 500 with the reason when a file is wrong."""
    try:
        return load_surveys(request.app.state.settings.surveys.extra_dir)
    except DefinitionError as exc:
        raise HTTPException(500, f"问卷定义有误：{exc}") from None


def find_survey(request: Request, survey_id: str) -> Survey:
    """The questionnaire `survey_id`, or 404."""
    found = surveys_of(request)
    if survey_id not in found:
        raise HTTPException(404, f"没有问卷“{survey_id}”（现有：{'、'.join(sorted(found)) or '无'}）")
    return found[survey_id]


def resolve_wave(survey: Survey, wave: str | None) -> str | None:
    """The wave to report: the survey's current one when not given, None (every wave) for `all`."""
    if wave is None or not wave.strip():
        return survey.wave
    wave = wave.strip()
    if len(wave) > 32:
        raise HTTPException(422, "批次名称最多 32 个字符")
    return None if wave == ALL_WAVES else wave


def check_by(by: list[str]) -> list[str]:
    """The breakdown dimensions, each checked (422 naming the allowed ones)."""
    wrong = [d for d in by if d not in GROUPABLE]
    if wrong:
        allowed = "、".join(f"{d}（{DIMENSION_NAMES.get(d, d)}）" for d in GROUPABLE)
        raise HTTPException(422, f"不能按“{'、'.join(wrong)}”分组；可选：{allowed}")
    return list(dict.fromkeys(by))


def counts(session: Session) -> dict[str, dict[str, dict[str, int]]]:
    """Response counts: survey id → wave → status → n."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    query = select(SurveyResponse.survey_id, SurveyResponse.wave, SurveyResponse.status, func.count()).group_by(
        SurveyResponse.survey_id, SurveyResponse.wave, SurveyResponse.status
    )
    for survey_id, wave, status, n in session.execute(query):
        out.setdefault(survey_id, {}).setdefault(wave, {})[status] = int(n)
    return out


def survey_rows(request: Request, session: Session) -> list[dict[str, Any]]:
    """Each questionnaire with its version, current wave and response counts per wave and status."""
    found = counts(session)
    rows = []
    for survey in surveys_of(request).values():
        waves = found.get(survey.id, {})
        per_wave: list[dict[str, Any]] = [
            {"wave": wave, "counts": {s: by_status.get(s, 0) for s in STATUSES}, "total": sum(by_status.values())}
            for wave, by_status in sorted(waves.items(), key=lambda kv: (kv[0] != survey.wave, kv[0]))
        ]
        rows.append(
            {
                "id": survey.id,
                "title": survey.title,
                "version": survey.version,
                "wave": survey.wave,
                "anonymous": survey.anonymous,
                "questions": len(survey.questions),
                "indicators": [{"key": i.key, "name": i.name} for i in survey.indicators],
                "waves": per_wave,
                "total": sum(w["total"] for w in per_wave),
                "completed": sum(w["counts"]["completed"] for w in per_wave),
            }
        )
    return rows


def build_report(
    request: Request,
    session: Session,
    survey: Survey,
    *,
    wave: str | None,
    by: list[str],
    weighted: bool = False,
    with_trend: bool = False,
) -> dict[str, Any]:
    """The report for the request from the shared cache (weighted by the settings' weights file when asked, else 422)."""
    if not weighted:
        return report_cache.build(session, survey, wave=wave, by=by, with_trend=with_trend)
    path = request.app.state.settings.surveys.weights_file
    if path is None:
        raise HTTPException(422, "加权需要人口权重文件：请在配置中设置 WUFEI_SURVEYS__WEIGHTS_FILE")
    try:
        population = load_population(survey, Path(path))
    except (ValueError, OSError) as exc:
        raise HTTPException(422, f"人口权重文件有误：{exc}") from None
    return report_cache.build(
        session, survey, wave=wave, by=by, weights=population, weights_source=Path(path).name, with_trend=with_trend
    )


def _attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def filename(survey: Survey, wave: str | None, fmt: str) -> str:
    """The download's file name, e.g. public-2025-indicators.xlsx."""
    kind = "responses.csv" if fmt == "responses.csv" else f"indicators.{fmt}"
    return f"{survey.id}-{wave or ALL_WAVES}-{kind}"


def render_file(session: Session, survey: Survey, data: dict[str, Any], fmt: str) -> bytes:
    """The bytes of one download of a built report."""
    wave = data["wave"]
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory(prefix="wufei-export-") as tmp:
            out = Path(tmp) / "indicators.xlsx"
            export.write_xlsx(session, survey, out, report=data, wave=wave)
            return out.read_bytes()
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so Excel opens it as UTF-8
        export.write_indicators_csv(data, buffer)
        return buffer.getvalue().encode("utf-8")
    if fmt == "responses.csv":
        with tempfile.TemporaryDirectory(prefix="wufei-export-") as tmp:
            out = Path(tmp) / "responses.csv"
            export.write_csv(session, survey, out, wave=wave)
            return out.read_bytes()
    if fmt == "png":
        return chart.render_png(data)
    if fmt == "html":
        return html_report.render_html(data, chart_png=chart.render_png(data)).encode("utf-8")
    raise HTTPException(404, f"没有“{fmt}”格式的下载（可选：{'、'.join(FORMATS)}）")


def download(
    request: Request,
    actor: Actor,
    survey: Survey,
    fmt: str,
    *,
    wave: str | None,
    by: list[str],
    weighted: bool = False,
) -> Response:
    """Build the report, render `fmt` and audit the export in the same transaction."""
    if fmt not in FORMATS:
        raise HTTPException(404, f"没有“{fmt}”格式的下载（可选：{'、'.join(FORMATS)}）")
    now = utcnow()
    with transaction(_factory(request)) as session:
        data = build_report(
            request, session, survey, wave=wave, by=by or list(DEFAULT_BY), weighted=weighted, with_trend=fmt == "html"
        )
        body = render_file(session, survey, data, fmt)
        audit.record(
            session, actor.name, "survey.export", survey.id, now=now, format=fmt, wave=wave, by=by, n=data["n"],
            **({"weighted": True} if weighted else {}),
        )  # fmt: skip
    headers = {"Content-Disposition": _attachment(filename(survey, wave, fmt)), "Cache-Control": "no-store"}
    return Response(body, media_type=MEDIA[fmt], headers=headers)


class ImportRefused(Exception):
    """The file itself is unusable (format, header, mapping): nothing was read."""


def _suffix(name: str, allowed: tuple[str, ...], what: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise ImportRefused(f"{what}只支持 {' / '.join(allowed)} 文件（收到“{name}”）")
    return suffix


def run_import(
    request: Request,
    actor: Actor,
    survey: Survey,
    data: bytes,
    name: str,
    *,
    map_data: bytes | None = None,
    map_name: str = "",
    skip_bad: bool = False,
) -> ImportReport:
    """Import an uploaded CSV/XLSX (with an optional mapping file) and audit it; ImportRefused for unusable files."""
    if not name.strip():
        raise ImportRefused("请先选择要导入的 CSV 或 XLSX 文件")
    suffix = _suffix(name, TABLE_SUFFIXES, "回答")
    if not data:
        raise ImportRefused("上传的文件是空的")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(f"文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MiB），请分批导入")
    now = utcnow()
    with tempfile.TemporaryDirectory(prefix="wufei-import-") as tmp:
        table = Path(tmp) / (Path(name).stem[:40].replace("/", "_") + suffix)
        table.write_bytes(data)
        mapping = None
        if map_data:
            if len(map_data) > MAX_MAP_BYTES:
                raise ImportRefused(f"映射文件过大（上限 {MAX_MAP_BYTES // 1024} KiB）")
            path = Path(tmp) / ("map" + _suffix(map_name, MAP_SUFFIXES, "映射文件"))
            path.write_bytes(map_data)
            try:
                mapping = load_map(path, survey)
            except ValueError as exc:
                raise ImportRefused(str(exc).replace(path.name, map_name)) from None
        try:
            with transaction(_factory(request)) as session:
                result = import_file(session, survey, table, now=now, skip_bad=skip_bad, mapping=mapping)
                audit.record(
                    session,
                    actor.name,
                    "survey.import",
                    survey.id,
                    now=now,
                    file=name,
                    map=map_name or None,
                    rows=result.rows,
                    imported=result.imported,
                    bad=len(result.bad),
                    committed=result.committed,
                    skip_bad=skip_bad,
                )
        except ValueError as exc:
            raise ImportRefused(str(exc).replace(table.name, name)) from None
    return result


def import_json(result: ImportReport) -> dict[str, Any]:
    """The per-row report of an import."""
    return {
        "rows": result.rows,
        "imported": result.imported,
        "committed": result.committed,
        "bad": [{"line": line, "reason": reason} for line, reason in result.bad],
        "ignored_columns": result.ignored_columns,
        "loose": result.loose,
    }


def import_summary(result: ImportReport) -> str:
    """One sentence for staff about an import."""
    if result.bad and not result.committed:
        return (
            f"{len(result.bad)} 行有问题，未导入任何数据（共 {result.rows} 行）。"
            "改正后重新上传，或勾选“跳过有错的行”只导入正确的行。"
        )
    return f"已导入 {result.imported} 份问卷（共 {result.rows} 行，跳过 {len(result.bad)} 行）。"


# -- routes ----------------------------------------------------------------------------------------------------------

ByQuery = Annotated[list[str], Query(description="分组维度，可重复：" + " / ".join(GROUPABLE))]
WaveQuery = Annotated[str | None, Query(max_length=32, description="批次；默认当前批次，all = 全部批次")]


@router.get("/surveys")
def list_surveys(request: Request, actor: Annotated[Actor, Depends(api("surveys"))]) -> list[dict[str, Any]]:
    """Questionnaires with response counts per wave and status."""
    with transaction(_factory(request)) as session:
        return survey_rows(request, session)


@router.get("/surveys/{survey_id}/indicators")
def indicators(
    survey_id: str,
    request: Request,
    actor: Annotated[Actor, Depends(api("surveys"))],
    wave: WaveQuery = None,
    by: ByQuery = [],  # noqa: B006 - FastAPI copies query defaults
    weighted: bool = False,
) -> dict[str, Any]:
    """The three indicators with Wilson intervals, verdicts, method and breakdowns (as `wufei indicators --json`)."""
    survey = find_survey(request, survey_id)
    chosen, dims = resolve_wave(survey, wave), check_by(by)
    with transaction(_factory(request)) as session:
        return build_report(request, session, survey, wave=chosen, by=dims, weighted=weighted)


def _download_route(fmt: str) -> Callable[..., Response]:
    def route(
        survey_id: str,
        request: Request,
        actor: Annotated[Actor, Depends(api("surveys"))],
        wave: WaveQuery = None,
        by: ByQuery = [],  # noqa: B006 - FastAPI copies query defaults
        weighted: bool = False,
    ) -> Response:
        survey = find_survey(request, survey_id)
        chosen, dims = resolve_wave(survey, wave), check_by(by)
        return download(request, actor, survey, fmt, wave=chosen, by=dims, weighted=weighted)

    return route


DOWNLOADS = {
    "indicators.xlsx": ("xlsx", "指标工作簿（汇总与计算方法、各分组、全部回答）；未指定 by 时按乡镇、年龄段、身份分组"),
    "indicators.csv": ("csv", "指标 CSV（总体及各分组，每行一个指标）"),
    "indicators.png": ("png", "指标图（比例、95% 区间与目标线）"),
    "indicators.html": ("html", "可打印的 HTML 指标报告（含图）"),
    "responses.csv": ("responses.csv", "全部回答 CSV（不含个人信息）"),
}
for _path, (_fmt, _summary) in DOWNLOADS.items():
    router.add_api_route(
        f"/surveys/{{survey_id}}/{_path}",
        _download_route(_fmt),
        methods=["GET"],
        summary=_summary,
        response_class=Response,
        responses={200: {"content": {MEDIA[_fmt].split(";")[0]: {}}}},
        name=f"survey_download_{_fmt}",
    )


@router.post("/surveys/{survey_id}/import")
async def import_answers(
    survey_id: str,
    request: Request,
    file: UploadFile,
    actor: Annotated[Actor, Depends(api("surveys", True))],
    mapping: UploadFile | None = None,
    skip_bad: bool = False,
) -> Any:
    """Import answers (CSV/XLSX; `mapping` = YAML/JSON for foreign headers); all-or-nothing unless `skip_bad`."""
    survey = find_survey(request, survey_id)
    data = await file.read(MAX_IMPORT_BYTES + 1)
    map_data = await mapping.read(MAX_MAP_BYTES + 1) if mapping is not None else None
    try:
        result = await run_in_threadpool(
            run_import,
            request,
            actor,
            survey,
            data,
            file.filename or "",
            map_data=map_data,
            map_name=(mapping.filename or "map.yaml") if mapping is not None else "",
            skip_bad=skip_bad,
        )
    except ImportRefused as exc:
        raise HTTPException(422, str(exc)) from None
    body = {"summary": import_summary(result), **import_json(result)}
    if result.bad and not result.committed:
        return JSONResponse({"detail": body["summary"], **body}, status_code=422)
    return body
