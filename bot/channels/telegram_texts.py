"""What the Telegram channel says to residents and staff (Simplified Chinese), apart from the logic."""

# The bot's command menu (setMyCommands): command -> description shown in Telegram.
COMMANDS = (
    ("start", "开始使用：设置所在城市、乡镇和城区/农村"),
    ("help", "我能做什么"),
    ("subscribe", "订阅无废城市宣传和活动提醒"),
    ("unsubscribe", "退订推送"),
    ("survey", "参加问卷调查"),
)

# Commands mapped to the words every channel understands, so the shared core answers them.
COMMAND_WORDS = {"help": "帮助", "subscribe": "订阅", "unsubscribe": "退订", "survey": "调查"}

CHOSEN = "已选择：{label}"
ALREADY_ANSWERED = "这个问题已经回答过了，请直接发文字继续提问。"

# Webhook answers (HTTP 4xx bodies).
CHANNEL_OFF = "未启用 Telegram 渠道"
BAD_SECRET = "Webhook 密钥不正确"
BAD_UPDATE = "不是有效的 Telegram 更新"

# Push outcomes, as staff read them in the delivery ledger.
BLOCKED = "Telegram 无法送达：对方已屏蔽机器人、从未点过“开始”或账号已注销（{detail}）"
CHAT_GONE = "Telegram 无法送达：找不到这个聊天（{detail}）"
GROUP_MIGRATED = "Telegram 无法送达：群已升级为超级群，新编号 {chat_id}"
RATE_LIMITED = "Telegram 发送频率已到上限，请稍后重试"
FLOOD_WAIT = "Telegram 要求暂停发送 {seconds:.0f} 秒"
NETWORK_ERROR = "连接 Telegram 失败（{detail}），稍后重试"
UNCONFIRMED = "Telegram 未在 {seconds:.0f} 秒内答复（{detail}），消息可能已送达；为免重复推送，不再重发"
DROPPED = "请求已发给 Telegram，但连接中断、没有收到完整答复（{detail}），消息可能已送达；为免重复推送，不再重发"
REFUSED = "Telegram 拒绝了这条消息（{detail}）"

# The `wufei telegram …` commands.
NO_TOKEN = "没有设置 WUFEI_TELEGRAM__TOKEN，Telegram 渠道未启用。"
NEED_HTTPS = "Webhook 地址必须以 https:// 开头（Telegram 只接受 HTTPS），例如 https://example.org/telegram/webhook"
NEED_SECRET = "请先设置 WUFEI_TELEGRAM__WEBHOOK_SECRET（1–256 个字母、数字、_ 或 -），Telegram 会在每次推送时带上它。"
WEBHOOK_SET = "已登记 Webhook：{url}（命令菜单已更新）"
POLLING = "正在以轮询方式接收 Telegram 消息，按 Ctrl+C 结束。"
API_ERROR = "Telegram 接口出错：{detail}"
