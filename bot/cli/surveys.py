"""`wufei survey list|import|link|pass|export` and `wufei indicators`: questionnaires, imports, exports and the three
indicators with their method. Errors print a message and exit non-zero."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import audit
from bot.config import get_settings
from bot.db import transaction, utcnow
from campaigns.models import Resident
from surveys import chart, export, html_report, links, report, verification
from surveys.definition import DefinitionError, Survey, load_surveys
from surveys.importer import import_file
from surveys.indicators import rule_text
from surveys.keys import resolve_salt
from surveys.mapping import load_map
from surveys.models import SurveyResponse
from surveys.tally import GROUPABLE
from surveys.weights import load_population

ALL_WAVES = "all"
FORMATS = ("text", "json", "csv", "xlsx", "html", "png")


def register(subparsers: Any) -> None:
    """Add the `survey` group and the `indicators` command to the top-level sub-commands."""
    group = subparsers.add_parser("survey", help="问卷：列出、导入、导出").add_subparsers(
        dest="survey_command", required=True
    )
    p = group.add_parser("list", help="列出问卷及回答数")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser(
        "import",
        help="导入在别处收集的回答（CSV/XLSX，列名为题目编号，或用 --map 对照外部表头）",
        description="wufei survey import SURVEY_ID FILE.csv|xlsx [--map FILE] [--skip-bad]",
    )
    p.add_argument("survey_id", metavar="SURVEY_ID", help="问卷编号，如 public")
    p.add_argument("file", metavar="FILE", type=Path, nargs="?", help="CSV 或 XLSX 文件")
    p.add_argument("--survey", default=None, help=argparse.SUPPRESS)  # the old form: import FILE --survey ID
    p.add_argument("--map", type=Path, default=None, help="列名和选项的对照表（YAML/JSON），用于问卷星等外部导出")
    p.add_argument("--skip-bad", action="store_true", help="跳过有错的行，导入其余行（默认有错则一行都不导入）")
    p.set_defaults(handler=cmd_import)
    p = group.add_parser("link", help="给一位居民生成个人问卷链接（/s/…，只能用一次）")
    p.add_argument("survey_id", metavar="SURVEY_ID")
    p.add_argument("resident_id", metavar="RESIDENT_ID", type=int)
    p.add_argument("--days", type=float, default=None, help="有效天数（默认 WUFEI_SURVEYS__LINK_DAYS）")
    p.set_defaults(handler=cmd_link)
    p = group.add_parser("pass", help="给一个无废细胞或活动生成限次二维码链接（经它填写的网页答卷算已核验）")
    p.add_argument("survey_id", metavar="SURVEY_ID")
    p.add_argument("--label", required=True, help="印在哪里：细胞或活动名称，如“和庄社区宣传日”")
    p.add_argument("--uses", type=int, required=True, help="最多计入几份答卷")
    p.add_argument("--days", type=float, default=None, help="有效天数（默认不过期）")
    p.set_defaults(handler=cmd_pass)
    p = group.add_parser("export", help="导出回答（CSV，或含指标汇总的 XLSX）")
    p.add_argument("out", type=Path)
    p.add_argument("--format", choices=["csv", "xlsx"], default=None, help="默认按文件扩展名")
    p.add_argument("--survey", default="public")
    p.add_argument("--wave", default=None, help=f"批次（默认当前批次；{ALL_WAVES} = 全部）")
    p.add_argument("--codes", action="store_true", help="选项输出编码而不是文字")
    p.set_defaults(handler=cmd_export)

    p = subparsers.add_parser(
        "indicators",
        help="普及率、参与度、满意度（含 Wilson 95%% 区间和计算方法）",
        description="wufei indicators SURVEY_ID [--wave W] [--by DIM] [--weights FILE] --format json|csv|xlsx|html|png [-o FILE]",
    )
    p.add_argument("survey_id", metavar="SURVEY_ID", nargs="?", default=None, help="问卷编号（默认 public）")
    p.add_argument("--survey", default=None, help=argparse.SUPPRESS)  # the old form
    p.add_argument("--wave", default=None, help=f"批次（默认当前批次；{ALL_WAVES} = 全部）")
    p.add_argument("--by", action="append", choices=list(GROUPABLE), default=[], help="分组（可重复）")
    p.add_argument("--format", choices=FORMATS, default=None, help="输出格式（默认文字摘要）；xlsx 和 png 需要 -o")
    p.add_argument("-o", "--out", type=Path, default=None, help="输出文件（默认打印到屏幕）")
    p.add_argument("--json", action="store_true", help="同 --format json")
    p.add_argument("--weighted", action="store_true", help="按人口加权（需 --weights 或 WUFEI_SURVEYS__WEIGHTS_FILE）")
    p.add_argument(
        "--weights",
        type=Path,
        default=None,
        help="人口文件（CSV/XLSX：township[,age_band],population；只填一列的行 = 边际分布，按 raking 加权）",
    )
    p.set_defaults(handler=cmd_indicators)


def _survey(name: str) -> Survey:
    try:
        surveys = load_surveys(get_settings().surveys.extra_dir)
    except DefinitionError as exc:
        raise ValueError(f"问卷定义有误：{exc}") from exc
    if name not in surveys:
        raise ValueError(f"没有问卷“{name}”（现有：{', '.join(sorted(surveys)) or '无'}）")
    return surveys[name]


def _wave(survey: Survey, wave: str | None) -> str | None:
    if wave is None:
        return survey.wave
    return None if wave == ALL_WAVES else wave


def cmd_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Each questionnaire with its version, wave and response counts by status."""
    surveys = load_surveys(get_settings().surveys.extra_dir)
    with transaction(factory) as session:
        counts: dict[tuple[str, str], int] = {}
        for survey_id, status, n in session.execute(
            select(SurveyResponse.survey_id, SurveyResponse.status, func.count()).group_by(
                SurveyResponse.survey_id, SurveyResponse.status
            )
        ):
            counts[(survey_id, status)] = int(n)
    for survey in surveys.values():
        by_status = "，".join(f"{s} {n}" for (sid, s), n in sorted(counts.items()) if sid == survey.id) or "暂无回答"
        mode = "匿名" if survey.anonymous else "实名关联"
        print(
            f"{survey.id}\t第 {survey.version} 版\t批次 {survey.wave}\t{len(survey.questions)} 题\t{mode}\t{survey.title}\t{by_status}"
        )
    return 0


def cmd_import(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Import a CSV/XLSX; every bad row is reported; nothing is stored when any row is bad (unless --skip-bad)."""
    if args.file is None:  # the old form `survey import FILE [--survey ID]`
        args.file, survey_id = Path(args.survey_id), args.survey or "public"
        print(f"提示：新写法是 wufei survey import {survey_id} {args.file}", file=sys.stderr)
    else:
        survey_id = args.survey_id
    survey = _survey(survey_id)
    if not args.file.is_file():
        raise ValueError(f"找不到文件 {args.file}")
    mapping = None
    if args.map is not None:
        if not args.map.is_file():
            raise ValueError(f"找不到映射文件 {args.map}")
        mapping = load_map(args.map, survey)

    def progress(rows: int) -> None:
        print(f"已检查 {rows} 行…", file=sys.stderr, flush=True)

    with transaction(factory) as session:
        now = utcnow()
        result = import_file(
            session, survey, args.file, now=now, skip_bad=args.skip_bad, progress=progress, mapping=mapping
        )
        audit.record(  # an imported file counts in the figures: who imported what, and when, as in the console
            session,
            _actor(),
            "survey.import",
            survey.id,
            now=now,
            file=args.file.name,
            map=args.map.name if args.map else None,
            rows=result.rows,
            imported=result.imported,
            bad=len(result.bad),
            committed=result.committed,
            skip_bad=args.skip_bad,
        )
    if result.ignored_columns:
        print(f"提示：以下列不是题目，已忽略：{', '.join(result.ignored_columns)}", file=sys.stderr)
    for note in result.loose:
        print(f"宽松匹配：{note}", file=sys.stderr)
    for line, reason in result.bad:
        print(f"第 {line} 行：{reason}", file=sys.stderr)
    if result.bad and not result.committed:
        print(
            f"错误：{len(result.bad)} 行有问题，未导入任何数据（共 {result.rows} 行）。改正后重试，或加 --skip-bad 只导入正确的行。",
            file=sys.stderr,
        )
        return 1
    print(f"已导入 {result.imported} 份问卷（共 {result.rows} 行，跳过 {len(result.bad)} 行）。")
    return 0


def cmd_link(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Issue a personal link for one resident and print it."""
    survey = _survey(args.survey_id)
    cfg = get_settings().surveys
    days = cfg.link_days if args.days is None else args.days
    if days <= 0:
        raise ValueError("--days 必须大于 0")
    with transaction(factory) as session:
        if session.get(Resident, args.resident_id) is None:
            raise ValueError(f"没有编号为 {args.resident_id} 的居民")
        token = links.issue(session, survey, resident_id=args.resident_id, now=utcnow(), ttl=dt.timedelta(days=days))
    print(links.url(cfg.base_url, token))
    if not cfg.base_url:
        print("提示：未设置 WUFEI_SURVEYS__BASE_URL，上面只是路径，请在前面加上服务器地址。", file=sys.stderr)
    return 0


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def cmd_pass(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Create a QR pass for one cell or event and print its form address (print it as a QR code)."""
    survey = _survey(args.survey_id)
    cfg = get_settings().surveys
    if args.uses < 1 or (args.days is not None and args.days <= 0):
        raise ValueError("--uses 至少为 1，--days 必须大于 0")
    now = utcnow()
    expires = None if args.days is None else now + dt.timedelta(days=args.days)
    salt = resolve_salt(cfg.salt, get_settings().data_dir)
    with transaction(factory) as session:
        token = verification.create_pass(
            session,
            survey_id=survey.id,
            label=args.label,
            max_uses=args.uses,
            salt=salt,
            now=now,
            created_by=_actor(),
            expires_at=expires,
        )
        audit.record(
            session, _actor(), "survey.pass", survey.id, now=now, label=args.label, uses=args.uses, days=args.days
        )
    print(f"{cfg.base_url.rstrip('/')}/survey/{survey.id}?pass={token}")
    return 0


def cmd_export(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Write the responses (CSV) or the workbook with the indicator summary (XLSX)."""
    survey = _survey(args.survey)
    fmt = args.format or args.out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ValueError("请用 --format csv 或 --format xlsx（或以 .csv/.xlsx 结尾的文件名）")
    wave = _wave(survey, args.wave)
    with transaction(factory) as session:
        if fmt == "csv":
            rows = export.write_csv(session, survey, args.out, wave=wave, codes=args.codes)
            data = None
        else:
            data = report.build(session, survey, wave=wave, by=["township", "age_band", "identity"])
            rows = export.write_xlsx(session, survey, args.out, report=data, wave=wave, codes=args.codes)
        audit.record(  # every export lands in the audit log, as the console's downloads do
            session, _actor(), "survey.export", survey.id, now=utcnow(), format=fmt, wave=wave, file=args.out.name,
            rows=rows,
        )  # fmt: skip
    print(f"已导出 {rows} 份问卷到 {args.out}")
    if data is None:
        with transaction(factory) as session:
            data = report.build(session, survey, wave=wave)
    _print_method(data)
    return 0


def cmd_indicators(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """The three indicators, their intervals, verdicts and method, as text, JSON, CSV, XLSX, HTML or a PNG chart."""
    survey = _survey(args.survey_id or args.survey or "public")
    wave = _wave(survey, args.wave)
    fmt = "json" if args.json else (args.format or "text")
    if fmt in ("xlsx", "png") and args.out is None:
        raise ValueError(f"--format {fmt} 需要用 -o 指定输出文件")
    weights = None
    source = None
    if args.weighted or args.weights:
        path = args.weights or get_settings().surveys.weights_file
        if path is None:
            raise ValueError("加权需要人口权重文件：--weights FILE 或 WUFEI_SURVEYS__WEIGHTS_FILE")
        weights = load_population(survey, Path(path))
        source = Path(path).name
    with transaction(factory) as session:
        data = report.build(
            session,
            survey,
            wave=wave,
            by=args.by,
            weights=weights,
            weights_source=source,
            with_trend=fmt in ("html", "json"),
        )
        if fmt == "xlsx":
            export.write_xlsx(session, survey, args.out, report=data, wave=wave)
        if fmt != "text":  # an export (a file or machine-readable output): audited like the console's downloads
            audit.record(
                session, _actor(), "survey.export", survey.id, now=utcnow(), format=fmt, wave=wave, by=args.by,
                n=data["n"], file=args.out.name if args.out is not None else None,
                **({"weighted": True} if weights is not None else {}),
            )  # fmt: skip
    if fmt == "text":
        _print_text(data)
        return 0
    if fmt == "xlsx":
        print(f"已写入 {args.out}", file=sys.stderr)
        return 0
    if fmt == "png":
        args.out.write_bytes(chart.render_png(data))
        print(f"已写入 {args.out}", file=sys.stderr)
        return 0
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        body = html_report.render_html(data, chart_png=chart.render_png(data))
    else:
        buffer = io.StringIO()
        export.write_indicators_csv(data, buffer)
        body = buffer.getvalue()
    if args.out is None:
        sys.stdout.write(body)
    else:
        args.out.write_text(body, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        print(f"已写入 {args.out}", file=sys.stderr)
    return 0


def _print_text(data: dict[str, Any]) -> None:
    print(f"{data['title']}（{data['survey']}，批次 {data['wave'] or '全部'}）：已完成问卷 {data['n']} 份")
    for item in data["indicators"]:
        print("  " + _line(item))
    for dim, values in data["breakdown"].items():
        print(f"按 {dim}：")
        for value, items in values.items():
            print(f"  {value}")
            for item in items:
                print("    " + _line(item))
    reach = data.get("reach")
    if reach:
        print(f"{reach['label']}：{reach['residents_reached']} 人（登记居民 {reach['residents_total']} 人）")
    kinds = verification.kind_table(data)
    if kinds:
        print("问卷来源（正式统计只算“计入”的来源）：" + "；".join(f"{n} {c} 份（{ok}）" for n, c, ok in kinds))
    _print_method(data)


def _line(item: dict[str, Any]) -> str:
    if item["rate"] is None:
        return f"{item['name']}：暂无有效回答"
    verdict = "达标" if item["met"] else "未达标"
    text = (
        f"{item['name']}：{item['rate']:.1%}（95% 区间 {item['ci_low']:.1%}–{item['ci_high']:.1%}，"
        f"{item['numerator']}/{item['denominator']}"
    )
    if item["excluded"]:
        text += f"，不计入 {item['excluded']}"
    if item["weighted"]:
        text += f"，加权，有效样本 {item['n_effective']:.0f}"
    text += f"）目标 {item['target']:.0%} {verdict}"
    if item.get("score") is not None:
        text += f"；0–100 分 {item['score']:.1f}"
    return text


def _print_method(data: dict[str, Any]) -> None:
    print("计算方法：")
    for item in data["indicators"]:
        print(f"  {item['name']}：{item['method']}（判定：{rule_text(item['rule'])}）")
    for warning in data["warnings"]:
        print(f"提示：{warning}")
