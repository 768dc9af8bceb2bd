"""How the audit log reads to staff: Chinese names for action codes and detail fields, and Beijing time."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.admin.roles import ROLE_NAMES

BEIJING = ZoneInfo("Asia/Shanghai")

ACTION_NAMES = {
    "login": "登录",
    "login.failed": "登录失败",
    "login.throttled": "登录过于频繁被拦截",
    "logout": "退出登录",
    "user.create": "新建用户",
    "user.change": "修改用户",
    "user.token": "发放 API 令牌",
    "user.password_reset": "重置密码",
    "user.password": "重置密码",
    "user.password_change": "修改自己的密码",
    "user.unlock": "解除锁定",
    "user.chat_identity": "绑定聊天账号（试发）",
    "resident.merge": "合并居民",
    "resident.split": "拆分居民",
    "resident.search": "搜索居民",
    "resident.view": "查看居民资料",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
    "audit.export": "导出操作日志",
    "knowledge.item": "修改分类条目",
    "knowledge.alias": "添加别名",
    "knowledge.resolve": "处理未答问题",
    "knowledge.faq": "保存常见问题",
    "knowledge.faq_delete": "删除常见问题",
    "plans.ingest": "导入方案",
    "campaign.create": "新建宣传活动",
    "campaign.start": "开始宣传活动",
    "campaign.pause": "暂停宣传活动",
    "campaign.resume": "恢复宣传活动",
    "campaign.cancel": "取消宣传活动",
    "campaign.test": "试发",
    "campaign.export": "导出推送记录",
    "segment.save": "保存人群",
    "conversation.list": "查看人工客服收件箱",
    "conversation.read": "查看人工客服会话",
    "conversation.reply": "回复居民（人工客服）",
    "conversation.close": "关闭人工客服会话",
    "conversation.faq": "把居民问题存为常见问题",
    "cell.create": "新建无废细胞",
    "cell.import": "导入无废细胞",
    "cell.roster_import": "导入无废细胞居民名单",
    "cell.roster_clear": "删除无废细胞居民名单",
    "cell.status": "更改无废细胞状态",
    "cell.qrcode": "生成无废细胞二维码",
    "survey.import": "导入问卷回答",
    "survey.export": "导出问卷与指标",
    "survey.report": "查看指标报告",
    "survey.pass": "生成问卷现场二维码链接",
}

FIELD_NAMES = {
    "role": "角色",
    "reason": "原因",
    "seconds": "等待秒数",
    "rows": "行数",
    "format": "格式",
    "wave": "批次",
    "by": "分组",
    "n": "样本数",
    "weighted": "加权",
    "item": "条目",
    "alias": "别名",
    "category": "分类",
    "title": "标题",
    "source": "来源文件",
    "city": "城市",
    "id": "编号",
    "township": "乡镇（街道）",
    "types": "类型",
    "status": "状态",
    "segment": "人群",
    "rules": "规则",
    "schedule": "时间安排",
    "expr": "表达式",
    "added": "新增",
    "updated": "更新",
    "bad": "错误行",
    "failed": "失败",
    "sent": "已发",
    "skip_bad": "跳过错误行",
    "mapping": "对照表",
    "file": "文件",
    "imported": "导入份数",
    "disabled": "已停用",
    "name": "名称",
    "conversation": "会话",
    "conversations": "会话",
    "resident": "居民编号",
    "result": "结果",
    "faq": "常见问题",
    "before": "修改前",
    "after": "修改后",
    "renamed_from": "原名称",
    "community": "社区",
    "area": "城区/农村",
    "age_band": "年龄段",
    "consent": "可推送",
    "channel": "渠道",
    "cell_type": "细胞类型",
    "cell_name": "细胞名称",
    "cell_id": "细胞编号",
    "inactive_days": "未互动天数",
    "active_days": "有互动天数",
    "with_event": "有过事件",
    "without_event": "没有事件",
    "not_sent_campaign": "未收到活动",
    "not_surveyed": "未参加问卷",
    "merged": "并入的居民",
    "identities": "渠道账号",
    "identity": "渠道账号",
    "new": "新居民",
    "dropped_responses": "去掉的重复问卷",
    "opened": "打开过活动链接",
    "not_opened": "未打开活动链接",
    "via": "途径",
    "query": "搜索词",
    "residents": "居民",
}


def action_name(code: str) -> str:
    """The Chinese name of an audit action (the code itself for one not named yet)."""
    if code in ACTION_NAMES:
        return ACTION_NAMES[code]
    head = code.split(".", 1)[0]
    return f"{ACTION_NAMES.get(head, head)}（{code}）"


BY_NAMES = {"township": "乡镇（街道）", "age_band": "年龄段", "identity": "身份", "cell_type": "无废细胞类型"}
BY_NAMES |= {"channel": "渠道", "source": "来源", "wave": "批次"}  # the breakdowns of surveys.tally.GROUPABLE
# coded values shown by their Chinese names: roles, breakdown dimensions, and "every wave" for a wave left open
VALUE_NAMES: dict[str, dict[str, str]] = {
    "role": ROLE_NAMES,
    "by": BY_NAMES,
}
NONE_NAMES = {"wave": "全部批次"}


def _named(key: str, value: Any) -> str:
    """A field's value as staff read it: a coded value by its name, a list item by item."""
    if value is None and key in NONE_NAMES:
        return NONE_NAMES[key]
    names = VALUE_NAMES.get(key)
    if names is not None and isinstance(value, str):
        return names.get(value, value)
    if names is not None and isinstance(value, list | tuple):
        return "、".join(names.get(str(v), str(v)) for v in value) or "—"
    return _value(value)


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{FIELD_NAMES.get(str(k), str(k))} {_value(v)}" for k, v in value.items()) or "—"
    return str(value)


def describe(detail: dict[str, Any] | str | None) -> str:
    """The details of an entry as readable fields ("格式：xlsx；批次：2026"), not raw JSON."""
    if detail is None or detail == {}:
        return ""
    data: Any = detail
    if isinstance(detail, str):
        try:
            data = json.loads(detail)
        except ValueError:
            return detail
    if not isinstance(data, dict):
        return _value(data)
    return "；".join(f"{FIELD_NAMES.get(str(key), str(key))}：{_named(str(key), value)}" for key, value in data.items())


def beijing(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored (UTC) time shown in Beijing time; naive values are taken as UTC."""
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).strftime(fmt)
