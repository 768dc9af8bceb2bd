"""What surveys say to residents and staff (Simplified Chinese); wording changes touch no logic."""

START_WORDS = frozenset(
    {"调查", "问卷", "满意度", "问卷调查", "满意度调查", "参加调查", "填问卷", "做问卷", "/survey", "survey"}
)
STOP_WORDS = frozenset({"退出", "退出问卷", "退出调查", "结束问卷", "不填了", "不做了"})
SKIP_WORDS = frozenset({"跳过", "略过", "不想说", "没有", "无", "skip"})

PROGRESS = "（第{n}/{total}题）"
HINT_SINGLE = "回复数字或直接说答案即可。"
HINT_MULTIPLE = "可多选，多个数字用逗号或空格隔开，如“1,3”。"
HINT_NUMBER = "请回复一个数字。"
HINT_TEXT = "请直接输入文字。"
HINT_OPTIONAL = "不想回答可回复“跳过”。"
HINT_STOP = "回复“退出”可随时结束。"

UNCLEAR_CHOICE = "没太看懂您的选择，请回复下面选项前的数字："
EXCLUSIVE_MIXED = "“{label}”不能和其他选项同时选，请重新选择："
NOT_A_NUMBER = "请回复一个数字，例如 3。"
NUMBER_TOO_SMALL = "这个数字太小了，不能小于 {min:g}。"
NUMBER_TOO_LARGE = "这个数字太大了，不能大于 {max:g}。"
NOT_INTEGER = "请回复一个整数。"
TEXT_EMPTY = "这一题需要回答，请输入文字。"
TEXT_TOO_LONG = "内容太长了，请控制在 {max} 字以内。"
REQUIRED = "这一题需要回答。"
UNKNOWN_VALUE = "“{value}”不是这一题的选项"

THANKS = "问卷填完了，感谢您的参与！您的意见会帮助新郑、新密把“无废城市”建设做得更好。"
ALREADY_DONE = "您已经填过这份问卷（{title}）了，感谢参与！每人每期只需填写一次。"
STOPPED = "已退出问卷，您已回答的内容会保留。想继续时发送“问卷”即可接着填。"
RESUME = "欢迎回来，我们接着上次的问卷继续："
EXPIRED_NOTE = "您上次的问卷已超时结束（已答内容会保留）。"
NO_SURVEY = "现在没有正在进行的问卷，谢谢关心！"

# web form
FORM_TITLE_SUFFIX = "（网页问卷）"
FORM_SUBMIT = "提交"
FORM_CHOOSE = "请选择"
FORM_REQUIRED_MARK = "（必答）"
FORM_OPTIONAL_MARK = "（选答）"
FORM_ERRORS = "有几处需要修改，请检查标红的题目："
FORM_THANKS_TITLE = "提交成功"
FORM_NOT_FOUND = "没有这份问卷：{survey_id}"
FORM_ALREADY = "这台设备已经提交过这份问卷，感谢参与！每人每期只需填写一次。"
FORM_BROKEN = "问卷定义文件有误，暂时无法填写，请联系工作人员"
FORM_BAD_BODY = "提交的内容无法识别，请刷新页面后重新填写。"

# personal links /s/<token>
LINK_TITLE = "问卷链接"
LINK_INVALID = "这个问卷链接无效，请检查是否复制完整，或在公众号里回复“问卷”直接填写。"
LINK_EXPIRED = "这个问卷链接已过期（或本期调查已结束），感谢关注！如需参加，请在公众号里回复“问卷”。"
LINK_USED = "这个问卷链接已经用过了：您已填写过本期问卷，感谢参与！每人每期只需填写一次。"

# indicators and exports (staff)
RULE_POINT = "点估计 ≥ 目标值即为达标"
RULE_LOWER_BOUND = "Wilson 95% 置信区间下限 ≥ 目标值才算达标"
METHOD_COMMON = (
    "只统计已完成的问卷（聊天、网页和导入的）；{rule}。区间为 Wilson 95% 置信区间（不用正态近似，"
    "后者在比例接近 100% 时会超出 100%）。"
)
METHOD_WEIGHTED = "已按乡镇×年龄段人口做事后分层加权（权重文件：{source}），有效样本量按 Kish 公式计算。"
METHOD_RAKED = (
    "已按乡镇、年龄段的人口边际分布做迭代比例拟合（raking）加权（权重文件：{source}），有效样本量按 Kish 公式计算。"
)
WARN_TINY_CELL = "分层“{cell}”只有 {n} 份有效样本，加权后每份权重很大，结果不稳"
WARN_RAKE_DIVERGED = "迭代比例拟合 {rounds} 轮后仍未收敛（样本覆盖不了全部边际组合），加权结果仅供参考"
WARN_TRIMMED = (
    "分层 {cells} 的权重超过平均权重的 {cap:g} 倍，已截断到 {cap:g} 倍（其余分层按比例放大），结果略偏向样本结构"
)
WARN_EMPTY_CELL = "分层“{cell}”有人口但没有样本，已从加权中去掉（其余分层按比例放大）"
WARN_SMALL_N = "{name}：有效样本 {n:.0f} 份，太少，难以判断是否达到 {target:.0%}（建议至少约 400 份）"
WARN_UNDECIDED = "{name}：置信区间 {low:.1%}–{high:.1%} 跨过目标 {target:.0%}，严格说还不能确定是否达标"
WARN_NO_DATA = "{name}：还没有有效回答"
WARN_UNWEIGHTED_CELL = "有 {count} 份问卷的乡镇/年龄段不在权重文件里，加权时未计入"
REACH_LABEL = "宣传推送覆盖人数（来自推送记录，不是调查指标）"
REACH_NOTE = (
    "统计至少成功收到过一条宣传推送的居民人数，分母为系统里登记的全部居民。这是“推送送达”的覆盖面，"
    "与问卷得出的宣传教育培训普及率（居民自己说接触过宣传）是两个不同的口径，不能相互替代。"
)
CELL_NO_RESIDENT = "（未关联居民：匿名或导入）"
NOT_ANSWERED = "（未回答）"
MET_YES = "达标"
MET_NO = "未达标"
MET_UNKNOWN = "无数据"

# web-form verification (surveys.verification)
CODE_WORDS = frozenset({"问卷验证码", "/surveycode"})
CODE_GIVEN = (
    "您的问卷验证码：{code}（{minutes} 分钟内有效，只能用一次）。\n"
    "在网页版《{title}》末尾的“问卷验证码”一栏填写，您的答卷就会计入正式统计。请勿告诉他人。"
)
CODE_NOT_HERE = (
    "问卷验证码只通过公众号或 Telegram 机器人发送。请在公众号里发送“问卷验证码”，或直接回复“问卷”在这里作答。"
)
CODE_ALREADY = "您已经填过本期《{title}》了，谢谢！不需要验证码。"
FORM_VERIFY_TITLE = "核验（可选）"
FORM_CODE_LABEL = "问卷验证码"
FORM_CODE_HINT = "在公众号或 Telegram 机器人里发送“问卷验证码”即可获得。填了验证码的答卷计入正式统计；不填也能提交，但只作为“未核验”答卷单列。"
FORM_PASS_NOTE = "您是通过“{label}”的二维码进入的，答卷计入正式统计。"
FORM_CODE_WRONG = (
    "验证码不对或已过期（30 分钟内有效，只能用一次）。请重新在公众号里发送“问卷验证码”获取，或清空此栏后提交。"
)
FORM_CODE_USED_BY_CHAT = "这个验证码对应的居民已经填过（或正在聊天里填写）本期问卷了，谢谢！"
FORM_PASS_USED_UP = "这个二维码的填写次数已用完或已过期，您的答卷将作为“未核验”答卷保存。如需计入正式统计，请在公众号里发送“问卷验证码”获取验证码后填写。"
FORM_THROTTLED = "这台设备（网络地址）本小时提交的未核验问卷太多了，请 {minutes} 分钟后再试；如需现在提交，请在公众号里发送“问卷验证码”获取验证码后填写。"
