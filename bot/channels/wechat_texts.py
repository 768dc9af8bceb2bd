"""What the WeChat channel says to residents and records for staff (Simplified Chinese)."""

WELCOME = (
    "欢迎关注无废城市小助手！\n"
    "直接发物品名就能查怎么分类，比如“用过的纸巾”“充电宝扔哪”；"
    "也可以问无废城市的政策，比如“什么是无废细胞”。发送“帮助”看看我还能做什么。"
)
VOICE_EMPTY = "抱歉，这段语音我没听清，请打字告诉我想问的东西，比如“过期药品扔哪个桶？”"
MEDIA_UNSUPPORTED = "收到啦！图片、视频和链接我还看不懂，请用文字描述一下，比如“外卖餐盒怎么扔？”"
LOCATION_ACK = "收到您的位置{label}。想查垃圾怎么分类，直接发物品名给我就行。"
TRUNCATED = "……（内容较长，已省略）"

# reasons recorded when a customer-service message cannot be sent (staff read these)
REASON_NO_WINDOW = "不在客服消息窗口内：居民48小时内没有给公众号发消息（45015）"
REASON_QUOTA = "客服消息窗口内的条数已用完（48小时内最多5条，关注/扫码/点菜单后1分钟内最多3条）（45047）"
REASON_UNFOLLOWED = "居民已取消关注公众号（43004）"
REASON_NOT_CONFIGURED = "未配置公众号 AppID/AppSecret，无法调用客服消息接口"
REASON_TOKEN = "access_token 无效或已过期，刷新一次后仍失败（{code}）"
REASON_IP = "服务器IP不在公众号的IP白名单中（40164）"
REASON_API_QUOTA = "公众号当日接口调用次数已用完（45009）"
REASON_API_ERROR = "微信接口返回错误 {code}：{message}"
REASON_NETWORK = "无法连接微信接口：{error}"
