"""What the application layer says to residents and staff (Simplified Chinese)."""

INTERNAL_ERROR = "抱歉，系统暂时有点忙，请稍后再试一次。"
CONSOLE_WELCOME = "无废城市小助手（输入“帮助”看看我能做什么，输入“退出”或按 Ctrl+D 结束）"
CONSOLE_QUIT = ("退出", "quit", "exit", "q")
UNSUPPORTED_EVENT = "收到啦。我只能看懂文字，请用文字告诉我想问的东西，比如“用过的纸巾扔哪个桶？”"
