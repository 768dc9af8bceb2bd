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
REASON_UNCONFIRMED = "微信接口未在 {seconds:.0f} 秒内答复（{detail}），消息可能已送达；为免重复推送，不再重发"
REASON_DROPPED = "请求已发给微信接口，但连接中断、没有收到完整答复（{detail}），消息可能已送达；为免重复推送，不再重发"
MENU_SORT = (
    "请直接发送物品名称，我告诉您投哪个桶，比如“用过的纸巾”“过期药品”“外卖餐盒”。\n"
    "农村居民可以先发送“我在农村”，按“会烂/不会烂”二次四分法回答。"
)

# which outbound instrument was used (SendResult.reason of a successful send)
VIA_CUSTOM = "客服消息"
VIA_NEWS = "图文客服消息"
VIA_TEMPLATE = "模板消息（{why}）"
VIA_SUBSCRIBE = "订阅通知（{why}）"
REASON_NO_INSTRUMENT = "超出48小时客服消息窗口，且未配置模板消息或订阅通知"
REASON_TEMPLATE_BAD = "模板消息的 template_id 无效或不属于本公众号（40037），请检查活动的 wechat_template"
REASON_TEMPLATE_FIELDS = "模板消息缺少 template_id 或 data"
REASON_SUBSCRIBE_REFUSED = "居民未订阅（或已拒收）这条订阅通知（43101）"

# `wufei wechat …` (staff read these)
CLI_NO_CREDENTIALS = "未配置 WUFEI_WECHAT__APP_ID / WUFEI_WECHAT__APP_SECRET，无法调用公众号接口"
CLI_API_ERROR = "微信接口出错：{detail}"
CLI_NETWORK = "无法连接微信接口（{detail}），请检查网络和 WUFEI_WECHAT__API_BASE_URL"
CLI_MENU_BAD = "菜单配置有误：{detail}"
CLI_MENU_DONE = "已发布自定义菜单（{count} 个按钮）。微信客户端可能要几分钟后才显示新菜单，重新关注可立即看到。"
CLI_UNKNOWN_CELL = "找不到无废细胞：{cell}（用 wufei cells list 查看编号）"
CLI_UNKNOWN_CAMPAIGN = "找不到活动：{campaign}"
CLI_QR_DONE = "已生成{kind}二维码（场景 {scene}）：{path}\n二维码内容：{url}"
CLI_QR_PERMANENT = "永久"
CLI_QR_TEMPORARY = "临时（{days:g} 天后失效）"
CLI_QR_EXPIRE = "--expire-seconds 应在 60 到 2592000（30 天）之间"
CLI_QR_IMAGE = "二维码已创建，但下载图片失败（{detail}）；二维码内容：{url}"
CLI_MASS_EMPTY = "群发内容不能为空"
CLI_MASS_DRY = "试运行：将向标签 {tag} 群发 {chars} 字；本{period}已群发 {used}/{quota} 次。未实际发送。"
CLI_MASS_DONE = "已提交群发（标签 {tag}，msg_id {msg_id}）；本{period}已群发 {used}/{quota} 次。"

MASS_QUOTA_USED = "本{period}群发次数已用完（{quota} 次，{account}），未发送"
MASS_DUPLICATE = "同样的群发24小时内已提交过（45065），未重复发送"
MASS_PERIOD_DAY = "日"
MASS_PERIOD_MONTH = "月"
ACCOUNT_SUBSCRIPTION = "订阅号每天1次"
ACCOUNT_SERVICE = "服务号每月4次"
ACCOUNT_CUSTOM = "WUFEI_WECHAT__MASS_QUOTA"
WHY_WINDOW = "超出48小时客服消息窗口"
WHY_QUOTA = "客服消息条数已用完"
REASON_QUOTA_NO_INSTRUMENT = "客服消息窗口内的条数已用完，且未配置模板消息或订阅通知"

# why the webhook refuses a request (WeChat's servers and operators read these)
PLAINTEXT_REFUSED = "已配置安全模式：只接受加密消息（encrypt_type=aes）"
NONCE_REPLAYED = "签名参数（timestamp、nonce）已用于另一条消息，拒绝重放"
NOT_RECORDED = "数据库繁忙，消息未能记录，请稍后重试"
