"""`wufei cells …`, `wufei segments …` and `wufei campaign …`: the 无废细胞 registry, segments and campaigns.

Errors print a Chinese message to stderr and exit 2; --json prints machine-readable output.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import tabular
from bot.config import get_settings
from bot.db import transaction, utcnow
from bot.documents import read_table
from bot.scheduler import build_senders
from campaigns import cells, ledger, lifecycle, news, roster, runs, segments, templates
from campaigns.delivery import send_test
from campaigns.models import Campaign, Segment
from campaigns.schedule import QuietHours, ScheduleError
from campaigns.texts import DELIVERY_STATES, LEDGER_COLUMNS, REASONS, STATE_NAMES


def register(subparsers: Any) -> None:
    """Add the `cells`, `segments` and `campaign` (alias `campaigns`) command groups."""
    cell = subparsers.add_parser("cells", help="无废细胞：导入、列表、状态").add_subparsers(
        dest="cells_command", required=True
    )
    p = cell.add_parser("import", help="从 CSV 或 XLSX 导入（列：类型、名称、乡镇街道、状态、日期、联系人、电话）")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_cells_import)
    p = cell.add_parser("list", help="列出无废细胞及成员数")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_cells_list)
    p = cell.add_parser("status", help="更改细胞状态（申报 → 创建中 → 已命名 → 复核）")
    p.add_argument("cell")
    p.add_argument("status")
    p.set_defaults(handler=cmd_cells_status)
    members = cell.add_parser("members", help="居民名单：导入、查看谁已加入、谁还没有加入").add_subparsers(
        dest="members_command", required=True
    )
    p = members.add_parser("import", help="从 CSV 或 XLSX 导入居民名单（列：姓名、细胞编号、渠道、渠道账号）")
    p.add_argument("file", type=Path)
    p.add_argument("--cell", help="细胞编号或名称（文件中没有“细胞编号”列时必填）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_members_import)
    p = members.add_parser("list", help="名单上的居民：已加入 / 未加入（姓名只显示部分）")
    p.add_argument("cell")
    p.add_argument("--missing", action="store_true", help="只列出还没有加入的")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_members_list)
    p = members.add_parser("clear", help="删除本细胞的居民名单（姓名属于个人信息，用完即删）")
    p.add_argument("cell")
    p.set_defaults(handler=cmd_members_clear)

    seg = subparsers.add_parser("segments", aliases=["segment"], help="人群分组：保存的筛选条件")
    segsub = seg.add_subparsers(dest="segments_command", required=True)
    p = segsub.add_parser("create", help="保存分组，例如 --where township=新建路街道 --where cell_type=学校")
    p.add_argument("name")
    p.add_argument("--where", action="append", default=[], metavar="字段=值")
    p.set_defaults(handler=cmd_segments_create)
    p = segsub.add_parser("list", help="列出分组和当前人数")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_segments_list)
    p = segsub.add_parser("preview", help="预览人数（已保存的分组名，或 --where 条件）")
    p.add_argument("name", nargs="?")
    p.add_argument("--where", action="append", default=[], metavar="字段=值")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_segments_preview)

    camp = subparsers.add_parser("campaign", aliases=["campaigns"], help="宣传活动：创建、预览、启动、暂停、台账")
    sub = camp.add_subparsers(dest="campaign_command", required=True)
    p = sub.add_parser("create", help="新建活动（草稿），输出编号")
    p.add_argument("--name", required=True)
    p.add_argument("--text", required=True, help="可用占位符 {township} {city} {community}")
    p.add_argument("--link", default=None)
    p.add_argument("--segment", default=None, help="分组名称（不填 = 全部居民）")
    p.add_argument("--channels", default="web,wechat,telegram", help="按优先顺序，逗号分隔")
    p.add_argument("--variant", action="append", default=[], metavar="渠道=文字", help="某个渠道专用的文字")
    tpl = p.add_mutually_exclusive_group()
    tpl.add_argument(
        "--wechat-template",
        type=Path,
        default=None,
        metavar="FILE.json",
        help='微信模板消息：{"template_id": "…", "url": "可选", "data": {"first": "…", "keyword1": "…"}}',
    )
    tpl.add_argument(
        "--template-id",
        default=None,
        help="微信模板消息的模板编号（与 --template-field 一起用）；模板消息不带“回复“退订”不再接收”一行，退订照常有效",
    )
    p.add_argument("--template-field", action="append", default=[], metavar="字段=内容", help="模板字段，可重复")
    p.add_argument("--template-url", default=None, help="模板消息点开后的网址（不填则用 --link）")
    p.add_argument("--news-title", default="", help="图文卡片标题（最多 64 字；与 --news-url 一起用）")
    p.add_argument("--news-description", default="", help="图文卡片摘要（可选，最多 120 字）")
    p.add_argument("--news-picurl", default="", help="图文卡片图片网址（可选，http/https）")
    p.add_argument("--news-url", default="", help="点开图文打开的网址（http/https）")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--at", default=None, help="一次性发送时间 ISO 8601（无时区按北京时间）")
    when.add_argument("--cron", default=None, help="重复发送，cron 表达式（北京时间），如 '0 9 5 6 *'")
    when.add_argument("--lunar", default=None, help="农历日期 MM-DD 或“农历三月初三”，每年发送")
    when.add_argument("--relative", default=None, help="相对居民事件，如 cell_join+3d（加入细胞3天后）")
    p.add_argument("--time", default=None, help="农历日期的发送时间 HH:MM（默认 09:00）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_create)
    p = sub.add_parser("list", help="列出活动")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
    for name, help_text in (
        ("show", "查看活动"),
        ("status", "发送统计"),
        ("preview", "启动前预览：会发给多少人、多少人会被跳过"),
        ("start", "启动（草稿 → 已排期）"),
        ("pause", "暂停"),
        ("resume", "继续"),
        ("cancel", "取消"),
        ("test", "发测试消息给工作人员（WUFEI_CAMPAIGNS__STAFF）"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("id", type=int)
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=cmd_campaign, action=name)
    p = sub.add_parser("ledger", help="发送台账（每位居民一行）：筛选、翻页、导出 CSV")
    p.add_argument("id", type=int)
    p.add_argument("--status", action="append", default=[], choices=ledger.STATES, help="只看这些状态，可重复")
    p.add_argument("--channel", action="append", default=[], help="只看这些渠道，可重复")
    p.add_argument("--limit", type=int, default=None, help="每页行数（屏幕默认 50；导出 CSV 默认全部）")
    page = p.add_mutually_exclusive_group()
    page.add_argument("--offset", type=int, default=0, help="跳过前面多少行")
    page.add_argument("--after-id", type=int, default=None, help="从这个台账编号之后开始（上一页给出的 next_after_id）")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--csv", type=Path, default=None, metavar="FILE", help="导出为 CSV（UTF-8 带 BOM，Excel 可直接打开）"
    )
    p.set_defaults(handler=cmd_ledger)
    p = sub.add_parser("reach", help="按分组统计触达（目标、已发送、失败、跳过、无法送达）")
    p.add_argument("--segment", default=None, help="只统计这个分组的活动")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_reach)


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _print(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def cmd_cells_import(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Import cells; bad rows are listed with line numbers, good rows are kept; exit 1 when some were bad."""
    settings = get_settings()
    with transaction(factory) as session:
        report = cells.import_rows(session, read_table(args.file), types=settings.campaigns.cell_types, now=utcnow())
    data = {"added": report.added, "updated": report.updated, "bad": [{"line": n, "reason": r} for n, r in report.bad]}
    lines = [f"新增 {report.added} 个，更新 {report.updated} 个，有问题的行 {len(report.bad)} 个。"]
    lines += [f"  第 {n} 行：{r}" for n, r in report.bad]
    _print(data, args.json, lines)
    return 1 if report.bad else 0


def cmd_cells_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """All cells with status and member counts."""
    with transaction(factory) as session:
        data = [
            {
                "id": c.id,
                "type": c.type,
                "name": c.name,
                "township": c.township,
                "status": c.status,
                "status_at": c.status_at.isoformat(),
                "contact": c.contact_name,
                "members": n,
                "scene": f"cell_{c.id}",
            }
            for c, n in cells.list_cells(session)
        ]
    lines = [
        f"{d['id']:>4}  {d['township']}  {d['name']}（{d['type']}）  {d['status']}  成员 {d['members']}" for d in data
    ]
    _print(data, args.json, lines or ["还没有无废细胞。"])
    return 0


def cmd_cells_status(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Move a cell to another status."""
    with transaction(factory) as session:
        cell = cells.find(session, args.cell)
        if cell is None:
            return _fail(f"没有找到无废细胞：{args.cell}")
        cells.set_status(cell, args.status, at=utcnow())
        print(f"“{cell.name}”的状态已改为：{cell.status}")
    return 0


def cmd_members_import(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Import a resident list for cells; bad rows are listed with line numbers; exit 1 when some were bad."""
    with transaction(factory) as session:
        cell = cells.find(session, args.cell) if args.cell else None
        if args.cell and cell is None:
            return _fail(f"没有找到无废细胞：{args.cell}")
        report = roster.import_rows(session, read_table(args.file), cell=cell, now=utcnow())
    data = {"added": report.added, "updated": report.updated, "bad": [{"line": n, "reason": r} for n, r in report.bad]}
    lines = [f"新增 {report.added} 人，已在名单上 {report.updated} 人，有问题的行 {len(report.bad)} 个。"]
    lines += [f"  第 {n} 行：{r}" for n, r in report.bad]
    _print(data, args.json, lines)
    return 1 if report.bad else 0


def cmd_members_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """A cell's resident list with who has joined and who has not yet (names masked)."""
    with transaction(factory) as session:
        cell = cells.find(session, args.cell)
        if cell is None:
            return _fail(f"没有找到无废细胞：{args.cell}")
        counts = roster.summary(session, cell.id)
        rows = roster.entries(session, cell.id, state="not_joined" if args.missing else "", limit=100_000)
        name = cell.name
    data = {"cell": name, **counts, "entries": rows}
    lines = [
        f"{name}：名单 {counts['listed']} 人，已加入 {counts['joined']}，未加入 {counts['not_joined']}，"
        f"无法核对 {counts['unknown']}；成员 {counts['members']} 人（不在名单上的 {counts['members_not_listed']}）"
    ]
    lines += [f"  {r['name']}  {r['state_name']}" for r in rows]
    _print(data, args.json, lines)
    return 0


def cmd_members_clear(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Delete a cell's resident list."""
    with transaction(factory) as session:
        cell = cells.find(session, args.cell)
        if cell is None:
            return _fail(f"没有找到无废细胞：{args.cell}")
        n = roster.clear(session, cell.id)
        print(f"已删除“{cell.name}”的居民名单（{n} 人）。")
    return 0


def cmd_segments_create(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Save a named segment and print its current count."""
    rules = segments.parse_rules(args.where)
    now = utcnow()
    with transaction(factory) as session:
        segment = segments.save(session, args.name, rules, now=now)
        n = segments.count(session, segment.rules, now=now)
    print(f"已保存分组“{args.name}”（编号 {segment.id}），当前 {n} 人。")
    return 0


def cmd_segments_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Saved segments with their current counts."""
    now = utcnow()
    with transaction(factory) as session:
        data = [
            {"id": s.id, "name": s.name, "rules": s.rules, "count": segments.count(session, s.rules, now=now)}
            for s in session.execute(select(Segment).order_by(Segment.name)).scalars()
        ]
    lines = [f"{d['id']:>4}  {d['name']}  {d['count']} 人  {json.dumps(d['rules'], ensure_ascii=False)}" for d in data]
    _print(data, args.json, lines or ["还没有分组。"])
    return 0


def cmd_segments_preview(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """How many residents match a saved segment or ad-hoc rules."""
    now = utcnow()
    with transaction(factory) as session:
        if args.name:
            segment = segments.get(session, args.name)
            if segment is None:
                return _fail(f"没有名为“{args.name}”的分组")
            rules = dict(segment.rules)
        else:
            rules = segments.parse_rules(args.where)
        n = segments.count(session, rules, now=now)
        mode = get_settings().campaigns.consent
        consented = segments.count(session, {**rules, "consent": True, "status": "active"}, now=now, consent_mode=mode)
        unlinked = segments.unlinked_responses(session, rules)
    lines = [f"符合条件 {n} 人，其中同意接收推送且状态正常 {consented} 人。"]
    if unlinked:
        lines.append(
            f"注意：该问卷有 {unlinked} 份已完成的答卷不记名（匿名问卷或导入），无法对应到居民，"
            "这些人仍算作“未参加”；推送文字里可写“已填写的请忽略”。"
        )
    _print({"count": n, "reachable": consented, "unlinked_responses": unlinked, "rules": rules}, args.json, lines)
    return 0


def _variants(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        channel, sep, text = pair.partition("=")
        if not sep or not text.strip():
            raise ValueError(f"渠道文字应写成 渠道=文字：{pair}")
        out[channel.strip()] = text
    return out


def cmd_create(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Create a draft campaign and print its id."""
    kind, expr = "now", ""
    if args.at:
        kind, expr = "once", args.at
    elif args.cron:
        kind, expr = "cron", args.cron
    elif args.lunar:
        kind, expr = "lunar", args.lunar
    elif args.relative:
        kind, expr = "relative", args.relative
    if args.time and kind != "lunar":
        return _fail("--time 只和 --lunar 一起用")
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    variants: dict[str, Any] = _variants(args.variant)
    try:
        if args.wechat_template is not None:
            variants[templates.KEY] = templates.from_file(args.wechat_template)
        elif args.template_id:
            variants[templates.KEY] = templates.from_fields(args.template_id, args.template_field, args.template_url)
        elif args.template_field or args.template_url:
            return _fail("--template-field 和 --template-url 需要和 --template-id 一起用")
        article = news.from_fields(args.news_title, args.news_description, args.news_picurl, args.news_url)
        if article is not None:
            variants[news.KEY] = article
    except (templates.TemplateError, news.NewsError) as exc:
        return _fail(str(exc))
    if templates.KEY in variants and "wechat" not in channels:
        return _fail("设置了微信模板消息，但 --channels 里没有 wechat")
    with transaction(factory) as session:
        segment = None
        if args.segment:
            segment = segments.get(session, args.segment)
            if segment is None:
                return _fail(f"没有名为“{args.segment}”的分组（先用 wufei segments create 创建）")
        campaign = lifecycle.create(
            session,
            name=args.name,
            text=args.text,
            link=args.link,
            segment=segment,
            channels=channels,
            kind=kind,
            expr=expr,
            send_time=(args.time or "09:00") if kind == "lunar" else None,
            variants=variants,
            now=utcnow(),
        )
        campaign_id = campaign.id
    if args.json:
        print(json.dumps({"id": campaign_id, "state": "draft"}))
    else:
        print(campaign_id)
    return 0


def _describe(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "state": c.state,
        "state_reason": c.state_reason,
        "text": c.text,
        "link": c.link,
        "channels": c.channels,
        "wechat_template": (c.variants or {}).get(templates.KEY),
        "news": (c.variants or {}).get(news.KEY),
        "segment_id": c.segment_id,
        "schedule": {"kind": c.schedule_kind, "expr": c.schedule_expr, "time": c.send_time},
        "next_run_at": c.next_run_at.isoformat() if c.next_run_at else None,
    }


def cmd_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """All campaigns, newest first."""
    with transaction(factory) as session:
        data = [_describe(c) for c in session.execute(select(Campaign).order_by(Campaign.id.desc())).scalars()]
    lines = [f"{d['id']:>4}  {d['state']:<10} {d['name']}  下次：{d['next_run_at'] or '-'}" for d in data]
    _print(data, args.json, lines or ["还没有活动。"])
    return 0


def cmd_campaign(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """show / status / preview / start / pause / resume / cancel / test / ledger ID."""
    settings = get_settings()
    cfg = settings.campaigns
    now = utcnow()
    action: str = args.action
    try:
        quiet = QuietHours.parse(cfg.quiet_hours)
    except ScheduleError as exc:
        return _fail(str(exc))
    with transaction(factory) as session:
        campaign = lifecycle.get(session, args.id)
        if action == "start":
            lifecycle.start(
                session, campaign, now=now, quiet=quiet, grace=dt.timedelta(minutes=cfg.misfire_grace_minutes)
            )
        elif action == "pause":
            lifecycle.pause(session, campaign, now=now, reason="工作人员暂停")
        elif action == "resume":
            lifecycle.resume(session, campaign, now=now)
        elif action == "cancel":
            lifecycle.cancel(session, campaign, now=now)
        if action in ("start", "pause", "resume", "cancel", "status"):
            data: Any = ledger.status(session, campaign)
            _print(data, args.json, _status_lines(data))
            return 0
        if action == "show":
            data = _describe(campaign)
            _print(data, args.json, [f"{k}: {v}" for k, v in data.items()])
            return 0
        if action == "preview":
            data = runs.preview(session, campaign, now=now, consent=cfg.consent)
            data["would_skip_names"] = {REASONS.get(k, k): v for k, v in data["would_skip"].items()}
            lines = [f"会发送 {data['would_send']} 人；跳过 {sum(data['would_skip'].values())} 人"]
            lines += [f"  {REASONS.get(k, k)}：{v}" for k, v in data["would_skip"].items()]
            if not data["would_send"]:
                lines.append("注意：现在发送不会送达任何居民。")
            _print(data, args.json, lines)
            return 0
        text_campaign = campaign
    # test send outside the transaction: senders open their own
    if not cfg.staff:
        return _fail('没有配置工作人员账号（WUFEI_CAMPAIGNS__STAFF，例如 ["web:staff1"]）')
    results = send_test(text_campaign, cfg.staff, build_senders(settings, factory), now=now)
    data = [{"identity": i, "ok": ok, "reason": r} for i, ok, r in results]
    _print(data, args.json, [f"{'成功' if d['ok'] else '失败'}  {d['identity']}  {d['reason']}" for d in data])
    return 0 if all(ok for _, ok, _ in results) else 1


def _status_lines(data: Mapping[str, Any]) -> list[str]:
    state = STATE_NAMES.get(data["state"], data["state"])
    lines = [
        f"活动 {data['id']}“{data['name']}”：{state}" + (f"（{data['state_reason']}）" if data["state_reason"] else ""),
        f"目标 {data['targeted']}，待发 {data['pending']}，已发 {data['sent']}，失败 {data['failed']}，跳过 {data['skipped']}",
    ]
    lines.append(f"打开链接 {data.get('clicked', 0)} 人，经本活动链接完成问卷 {data.get('survey_responses', 0)} 份")
    if data["skip_reasons"]:
        lines.append("跳过原因：" + "；".join(f"{REASONS.get(k, k)} {v}" for k, v in data["skip_reasons"].items()))
    lines.append(f"错过的发送时间 {data['missed_runs']} 次；下次发送：{data['next_run_at'] or '-'}")
    if data.get("warning"):
        lines.insert(0, f"⚠ 警告：{data['warning']}")
    return lines


def cmd_reach(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Reach per segment over all campaigns, or of one segment's campaigns."""
    with transaction(factory) as session:
        if args.segment:
            segment = segments.get(session, args.segment)
            if segment is None:
                return _fail(f"没有名为“{args.segment}”的分组")
            one = {"segment": segment.name, **ledger.reach(session, segment_id=segment.id)}
            _print(one, args.json, [_reach_line(one)])
            return 0
        data = ledger.reach_by_segment(session)
    _print(data, args.json, [_reach_line(d) for d in data] or ["还没有发送记录。"])
    return 0


def _reach_line(d: Mapping[str, Any]) -> str:
    return f"{d['segment']}: 目标 {d['targeted']} 已发 {d['sent']} 失败 {d['failed']} 无法送达 {d['unreachable']}"


def cmd_ledger(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """One page of a campaign's ledger (filtered), or every matching row exported to CSV."""
    if args.limit is not None and args.limit < 1:
        return _fail("--limit 至少为 1")
    filters: dict[str, Any] = {"status": args.status or None, "channel": args.channel or None}
    with transaction(factory) as session:
        campaign = lifecycle.get(session, args.id)
        if args.csv is None:
            got = ledger.page(
                session, campaign.id, **filters, after_id=args.after_id, offset=args.offset, limit=args.limit or 50
            )
            data = {"total": got.total, "next_after_id": got.next_after_id, "rows": got.rows}
            lines = [
                f"{r['id']:>8} 居民 {r['resident_id']:<8} {r['channel'] or '-':<9}"
                f"{DELIVERY_STATES.get(r['state'], r['state'])}  {REASONS.get(r['reason'], r['reason'] or '')}"
                for r in got.rows
            ]
            lines.append(
                f"共 {got.total} 行"
                + (f"；下一页：--after-id {got.next_after_id}" if got.next_after_id is not None else "")
            )
            _print(data, args.json, lines)
            return 0
        written = _export(session, campaign.id, args, filters)
    if str(args.csv) != "-":
        print(f"已导出 {written} 行到 {args.csv}", file=sys.stderr)
    return 0


def _export(session: Session, campaign_id: int, args: argparse.Namespace, filters: dict[str, Any]) -> int:
    """Write matching rows page by page (memory stays flat); "-" writes to standard output."""
    out = sys.stdout if str(args.csv) == "-" else args.csv.open("w", encoding="utf-8", newline="")
    try:
        writer = tabular.csv_writer(out, bom=True)
        writer.writerow(LEDGER_COLUMNS.values())
        written, after, offset = 0, args.after_id, args.offset
        while args.limit is None or written < args.limit:
            size = 1000 if args.limit is None else min(1000, args.limit - written)
            got = ledger.page(session, campaign_id, **filters, after_id=after, offset=offset, limit=size)
            writer.writerows(ledger.csv_values(r) for r in got.rows)
            written += len(got.rows)
            if got.next_after_id is None:
                break
            after, offset = got.next_after_id, 0
        return written
    finally:
        if out is not sys.stdout:
            out.close()
