"""What the application layer says to residents and staff (Simplified Chinese)."""

INTERNAL_ERROR = "抱歉，系统暂时有点忙，请稍后再试一次。"
DATABASE_UNAVAILABLE = "数据库暂时无法访问，请稍后再试。"  # HTTP 503 while the database is down or locked
RATE_LIMITED = "您发得太快了，请稍等一分钟再问。"
CLIENT_RATE_LIMITED = "这个网络发来的消息太多了，请稍等一分钟再试。"  # HTTP 429: one address flooded the web chat
WEB_IDENTITY_MISSING = "还没有您的对话记录：请先在本页面发一条消息。"  # HTTP 401: inbox without the web chat cookie
CONSOLE_WELCOME = "无废城市小助手（输入“帮助”看看我能做什么，输入“退出”或按 Ctrl+D 结束）"
CONSOLE_QUIT = ("退出", "quit", "exit", "q")
UNSUPPORTED_EVENT = "收到啦。我只能看懂文字，请用文字告诉我想问的东西，比如“用过的纸巾扔哪个桶？”"
WELCOME = (
    "欢迎关注无废城市小助手！我可以告诉您垃圾怎么分、扔哪个桶，也能解答新郑、新密无废城市建设的问题。"
    "{consent}先花几秒设置一下，回答会更准确："
)
# the welcome's line on pushes, by WUFEI_CAMPAIGNS__CONSENT
WELCOME_CONSENT = {
    "opt_out": "我们会不定期推送无废城市宣传和活动通知，回复“退订”即可不再接收。",
    "opt_in": "想收到无废城市宣传和活动通知，请回复“订阅”；随时回复“退订”取消。",
}
ASK_CITY = "您住在哪里？"
ASK_TOWNSHIP = "您在哪个乡镇或街道？（直接输入名称，如“新建路街道”“和庄镇”；不想说请回复“跳过”）"
ASK_AREA = "您住在城区还是农村？农村按“会烂/不会烂”的二次四分法回答。"
ONBOARDING_SKIP = "回复数字即可，不想说请回复“跳过”。"
ONBOARDING_DONE = "设置好了！现在就可以问我，比如“用过的纸巾扔哪个桶？”。随时发送“设置”可以修改。"
ONBOARDING_DONE_RURAL = "设置好了！我会按农村二次四分法回答。试试问我“剩饭剩菜怎么扔？”。随时发送“设置”可以修改。"
