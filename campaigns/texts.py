"""What campaigns say to residents and staff (Simplified Chinese); wording changes touch no code."""

SUBSCRIBED = "已为您开通无废城市宣传推送。回复“退订”或“TD”即可随时取消。"
UNSUBSCRIBED = "已为您取消宣传推送，之后不会再主动给您发消息。想重新接收，回复“订阅”即可。"
ALREADY_SUBSCRIBED = "您已经订阅了宣传推送。回复“退订”或“TD”可以取消。"
CELL_JOINED = "欢迎加入无废细胞“{name}”！之后的活动通知会发给您（回复“退订”可随时取消）。"
CELL_ALREADY = "您已经是无废细胞“{name}”的成员了。"
CELL_NOT_FOUND = "没有找到这个无废细胞，请检查二维码或编号是否正确。"
CAMPAIGN_JOINED = "已为您开通“{name}”相关的宣传推送。回复“退订”可随时取消。"
TEST_PREFIX = "【测试】"
LINK_LINE = "\n详情：{link}"
STOP_LINE = "\n回复“退订”不再接收"  # ends every push, on every channel
REACHABLE_AGAIN = "resumed"  # status_reason when a resident who could not be reached writes or unblocks again

SUBSCRIBE_WORDS = (
    "订阅", "订阅推送", "订阅宣传", "开通推送", "恢复推送", "接收推送", "重新订阅", "/subscribe", "subscribe",
)  # fmt: skip
UNSUBSCRIBE_WORDS = (
    "退订", "td", "t d", "取消订阅", "停止推送", "取消推送", "不再接收", "不要推送", "退订宣传", "/unsubscribe",
    "/stop", "unsubscribe", "stop",
)  # fmt: skip

# reasons staff read in the ledger
REASONS = {
    "no_consent": "未同意接收推送",  # opt_in mode, or a recorded "no"
    "opted_out": "居民已退订",
    "unreachable": "无法送达（居民已屏蔽或取消关注）",
    "no_channel": "没有本活动所选渠道的账号",
    "no_sender": "该渠道暂未接入",
    "missed": "错过发送时间",
    "cancelled": "活动已取消",
    "retries": "多次重试仍失败",
    "unconfirmed": "平台未确认收到（可能已送达；为免重复推送未重发）",
}


def reason_name(code: str | None) -> str:
    """A skip or failure reason in Chinese (an unknown code is shown as it is)."""
    return REASONS.get(code or "", code or "")


# a campaign that ended without reaching anyone is a warning, not a success
ZERO_DELIVERED = "没有送达任何居民：请查看跳过原因（例如居民未订阅、已退订或渠道未接入）"

DELIVERY_STATES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败", "skipped": "已跳过"}
# the ledger export's columns (CLI `campaign ledger --csv`, the admin API and the console)
LEDGER_COLUMNS = {
    "id": "台账编号",
    "run_id": "发送批次",
    "resident_id": "居民编号",
    "township": "乡镇（街道）",
    "community": "社区",
    "channel": "渠道",
    "state": "状态",
    "reason": "原因",
    "attempts": "尝试次数",
    "last_error": "最近错误",
    "sent_at": "发送时间",
    "updated_at": "更新时间",
}

CELL_STATUSES = ("申报", "创建中", "已命名", "复核")
STATE_NAMES = {
    "draft": "草稿",
    "scheduled": "已排期",
    "running": "发送中",
    "paused": "已暂停",
    "finished": "已完成",
    "cancelled": "已取消",
}

# segment rules as staff read them (the console's reference table, the audit log)
RULE_NAMES = {
    "city": "城市",
    "township": "乡镇（街道）",
    "community": "社区",
    "area": "城区/农村（urban 城区、rural 农村）",
    "age_band": "年龄段",
    "status": "居民状态（active 正常、stopped 已退订、unreachable 无法送达）",
    "consent": "是否可以推送（是/否，按推送同意方式）",
    "channel": "有这个渠道的账号（web、wechat、telegram）",
    "cell_type": "加入了这类无废细胞",
    "cell_name": "加入了这个无废细胞（名称）",
    "cell_id": "加入了这个无废细胞（编号）",
    "inactive_days": "近 N 天未互动",
    "active_days": "近 N 天有互动",
    "with_event": "有过这种事件（如 cell_join 加入细胞、subscribe 订阅）",
    "without_event": "没有过这种事件",
    "not_sent_campaign": "没有收到过这个活动（活动编号）",
    "opened": "打开过这个活动推送里的链接（活动编号）",
    "not_opened": "没有打开过这个活动推送里的链接（活动编号）",
    "not_surveyed": "未参加问卷（问卷编号，或 问卷/批次，如 public/2026）",
}
