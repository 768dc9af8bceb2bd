"""What binding says to residents and staff (Simplified Chinese); wording changes touch no code."""

BIND_WORDS = ("绑定", "绑定账号", "绑定渠道", "账号绑定")
STAFF_BIND_WORDS = ("绑定工作人员", "工作人员绑定", "绑定控制台")
CODE_ISSUED = (
    "您的绑定码是 {code}（10 分钟内有效，只能用一次）。\n"
    "请在另一个渠道（微信公众号、Telegram 或网页聊天）发送“绑定 {code}”，两个渠道就会合并成同一个账号："
    "聊天记录、加入的无废细胞、问卷和推送设置都会合在一起，推送只发一次。不要把绑定码告诉别人。"
)
STAFF_CODE_ISSUED = (
    "您的绑定码是 {code}（10 分钟内有效，只能用一次）。\n"
    "请在管理后台“修改密码”页面的“绑定我的聊天账号”处输入，之后活动的测试消息会发到这里。不要把绑定码告诉别人。"
)
SELF_CODE = "这是您在这个账号上刚获取的绑定码，请在另一个渠道发送“绑定 {code}”。"
ALREADY_BOUND = "这两个账号已经是同一位居民了，无需再绑定。"
BOUND = "绑定成功！您在{channels}的账号现在是同一位居民，推送只会发一次。"
BOUND_STOPPED = "您在其中一个渠道退订过宣传推送，合并后仍不接收推送；想接收请回复“订阅”。"
BOUND_DUPLICATE = "您在两个渠道都填写过同一期问卷（{waves}），已保留较早完成的一份。"
TOO_MANY_CODES = "您获取绑定码的次数太多了，请一小时后再试。"
TOO_MANY_FAILURES = "绑定码输错次数太多，请 10 分钟后再试。"
BUSY = "绑定暂时不可用，请稍后再试。"
WRONG_CODE = "绑定码不对或已过期（10 分钟内有效，只能用一次）。请在原来的渠道重新发送“绑定”获取新码。"
CHANNEL_NAMES = {"wechat": "微信公众号", "telegram": "Telegram", "web": "网页聊天", "console": "控制台"}
