"""Word lists the matcher uses to tell the item from the question around it; data, not logic."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    """A set of whitespace-separated words."""
    return frozenset(text.split())


# A contact asked ("有意见打哪个电话", "热线是多少"): the plan's hotline sentence, never an item (电话) to sort.
CONTACT_ASK_PATTERN = "(?:打|拨)(?:哪个|什么|啥|几号)(?:电话|热线)|电话号码(?:是)?多少|电话是多少|(?:什么|啥|哪个)热线"


# Category names and the words residents use for them; inside a sorting question they are part of the question.
CATEGORY_WORDS: dict[str, str] = {
    "可回收物": "可回收物",
    "可回收垃圾": "可回收物",
    "可回收": "可回收物",
    "回收物": "可回收物",
    "有害垃圾": "有害垃圾",
    "有毒垃圾": "有害垃圾",
    "厨余垃圾": "厨余垃圾",
    "厨余": "厨余垃圾",
    "湿垃圾": "厨余垃圾",
    "餐厨垃圾": "厨余垃圾",
    "易腐垃圾": "厨余垃圾",
    "其他垃圾": "其他垃圾",
    "其它垃圾": "其他垃圾",
    "干垃圾": "其他垃圾",
}

# Words that frame a question ("X是什么垃圾", "X扔哪个桶", "请问一下X") and carry no item meaning.
FILLER: frozenset[str] = _words(
    """
    怎么弄 怎么整 怎么搞 怎么分 怎么扔 怎么丢 怎么放 怎么处置 怎么回收 咋办 处理一下 弄一下
    问下 下 问问 打听 打听一下 请教 请教一下
    要求 规定 标准 说法 讲究 注意 注意事项
    不 没 卖 能卖 可以卖 卖钱 往 往哪 往哪扔 会烂 不会烂 被 把 给 让 叫 就行 行不行 直接 送 送到 交 交给 谁 比较 安全 最近 有点
    现在 刚 刚刚 已经 俺 俺家 咱家 人家 单位 楼道 小区 家门口 门口 该扔 该放 要扔 要放 能扔 能放 可以扔 可以放 还能 还可以 扔掉 丢掉
    处理掉 好 最好 什么的 之类 之类的 等等 东西 不敢 敢 问问 领导
    不能 不可以 不让 卖不掉 卖不了 卖不出去 没人收 说 听说 保洁 物业 公司 办公室 工地
    是 不是 是不是 不会是 不会 属于 算 算是 归 归于 归为 分为 分到 分成 分在 应 应该 该 要 需要 得 能 能不能 可以 可不可以 可否 会 会不会 什么 什么样 啥 哪 哪个 哪些 哪种 哪类 哪一类
    哪一种 哪里 哪儿 哪边 哪个桶 哪一个 那 那个 这 这个 这些 那些 这种 那种 垃圾 垃圾桶 桶 类 类别 种类 分类 分 类型 颜色 色 扔 扔到 扔进 扔在 丢 丢到 丢进 丢在 放 放到
    放进 放在 投 投放 投到 投进 倒 倒进 倒在 装 装进 处理 处置 回收 收 怎么 怎么样 怎样 如何 咋 咋办 怎么办 办 弄 搞 请问 问 问一下 一下 想 想问 想知道 知道 告诉 告诉我
    师傅 老师 大姐 大哥 阿姨 叔叔 大爷 美女 帅哥 各位 大家 邻居 小助手
    昨天 今天 前天 前几天 这几天 之前 以前 刚才 上次 那天 早上 晚上 中午 上午 下午 然后 接着 后来
    帮 帮我 麻烦 请 您 你 我 我们 咱 咱们 他 她 它 家里 家 吗 呢 啊 呀 哇 咧 呐 哟 吖 吧 哦 噢 嘛 哈 么 了 呗 啦 额 嗯 呃 诶 哎 唉 的话 还是 或是 是否 如果 假如 要是 万一 到底 究竟 具体 一般 通常 平时
    到 在 里 里面 进 去 上 中 和 跟 与 及 以及 还有 或 或者 分别 各 各自 都 也 又 就 才 还 再 很 太 挺 这样 那样 一样 一起 单独 分开 吗? 么? 处 里边 应当 正确 对 对吗 对不对 没错 准确
    """
)

# The cities in front of an item ("新密的易拉罐"): the same 郑州 rules in both, so not part of the item's name.
CITY_PREFIXES: frozenset[str] = frozenset(["新密", "新密市", "新郑", "新郑市", "郑州", "郑州市"])

# Modifiers that describe a state but, for most items, do not change the bin ("用过的纸巾", "坏掉的台灯").
MODIFIERS: frozenset[str] = _words(
    """
    断 断了 裂 裂了 裂开 弯 弯了 烧坏 烧坏了 不能充 不能充了 没电 没电了 打破 打破了 摔破 碎掉 穿不下 穿不下的 不能用的 旧了 用旧 用旧了
    坏掉了 不亮了 不转了 不走了 漏了 漏气 瘪了 空了 喝完了 吃完了 用光 用光了 残 冻坏 冻坏了 放坏的 洗干净了 洗过了 洗过 洗干净的
    一半 半瓶 半袋 半盒 半包 玩坏 玩坏了 玩坏的 孩子 小孩 宝宝 孩子的 喝了 吃了 穿坏 穿破 穿旧 用旧 磨破 打碎 摔碎 摔坏 弄坏
    根 只 条 张 块 件 台 双 套 堆 不亮 不亮了 不能用 不能用了 拆下来 拆下 拆了 换下来 换下 用坏 用坏了 用完了 鼓包 鼓包了 漏液
    漏了 掉了 好多年 多年 用了 放久 放久了 放坏 放坏了 发霉了 过期了 淋湿 淋湿了 软塌塌 几年 多年的 完 用 那根 这根 那只 这只 那块 这块
    的 用过 用过的 用完 用完的 用剩 坏 坏了 坏掉 坏掉的 掉 破 破了 破掉 破损 破旧 旧 旧的 老 老旧 过期 过期的 废 废旧 废弃 废掉 剩 剩下 剩下的 吃剩 吃剩的 喝剩 喝剩的 吃完
    喝完 空 空的 一次性 小 小的 大 大的 大量 少量 一点 一些 些 一个 个 几个 好多 一堆 一袋 一包 一瓶 一块 一张 一根 一条 一只 一双 一件 不要 不要的 没用 没用的 没用了 闲置
    没电的 没气的 没水的 不亮的 养的 家里养的 买菜的 超市的 买东西的 装东西的 们 一摞 一沓 一叠 一捆 一箱 一兜 一大堆 一大袋 一大包 一小袋 一小包 各种 各类 各式 好几个 好些 若干 一大摞 一大捆
    掉漆 掉漆了 生锈 生锈了 锈了 用不完 用不完的 吃不完 吃不完的 烧不完 烧火
    蔫 蔫了 蔫掉了 枯了 枯萎了 谢了 插过 插过的 燃放完 燃放完的 燃放过的
    不用 不用的 家用 自家 买 买的 碎 碎了 碎的 烂 烂了 烂掉 发霉 变质 过时 淘汰 淘汰的 多余 多余的 剩余 整个 整只 半个 新 新的 普通 普通的 常见 日常
    """
)

# Words in an unknown prefix that may change the bin ("电动牙刷", "陶瓷杯"): a head match with these is not trusted.
RISKY: frozenset[str] = _words(
    """
    电 电动 电子 智能 充电 锂 锂电 带电 电池 插电 数码 蓝牙 led 塑料 玻璃 陶瓷 瓷 金属 铁 铝 铜 钢 不锈钢 木 木头 木制 木质 竹 竹子 纸 纸质 布 布艺 皮 皮革 橡胶 硅胶
    泡沫 树脂 石头 水泥 油 带油 油污 污染 被污染 脏 湿 沾 医用 医疗 药 有毒 化学 汞 水银 喷雾 液体 气 罐装
    剃须 洗面 洗手 护肤 化妆 慕斯
    """
)

# Direct containers: "农药瓶子" held a hazardous product and goes where the product goes. Outer packaging
# (盒, 袋, 包装) is left out on purpose: a clean medicine carton is 可回收物, so those are not guessed.
CONTAINERS: frozenset[str] = _words(
    """
    瓶 瓶子 空瓶 空瓶子 罐 罐子 空罐 空罐子 桶 空桶 瓶瓶罐罐 喷罐 管 软管 空管
    """
)

# Materials that decide the bin of a plain vessel ("陶瓷马克杯" → 陶瓷 → 其他垃圾, "不锈钢盆" → 可回收物).
MATERIALS: frozenset[str] = _words(
    """
    塑料 玻璃 陶瓷 瓷 瓷器 金属 铁 铝 铜 不锈钢 木 木头 木质 木制 竹 竹子 竹制 纸 纸质 布 布艺 橡胶 硅胶 搪瓷
    """
)
VESSELS: frozenset[str] = _words(
    """
    杯 杯子 马克杯 水杯 茶杯 碗 盆 盘 盘子 碟 碟子 勺 勺子 汤勺 筷子 盒 盒子 罐 罐子 壶 水壶 瓶 瓶子 缸 花盆 饭盒 桶
    """
)
# Generic containers: what they held matters, so an unknown word before them ("粉底液瓶子") is not trusted,
# unless it is a drink or food brand ("农夫山泉瓶子", "老干妈瓶子").
GENERIC_CONTAINERS: frozenset[str] = _words(
    """
    瓶子 空瓶子 空瓶 瓶 罐子 空罐子 罐 盒子 盒 袋子 袋 桶 空桶 壶
    """
)
FOOD_BRANDS: frozenset[str] = _words(
    """
    农夫山泉 农夫 怡宝 娃哈哈 康师傅 统一 冰红茶 绿茶 可乐 可口可乐 百事 百事可乐 雪碧 芬达 红牛 加多宝 王老吉 脉动 蒙牛 伊利
    旺仔 椰树 露露 六个核桃 老干妈 海天 茅台 二锅头 啤酒 雪花 青岛 燕京 百威 哈尔滨 元气森林 东方树叶 美年达 营养快线 养乐多
    特仑苏 安慕希 纯甄 金典 君乐宝 光明 维他奶 百岁山 景田 冰露 汇源 果粒橙 美汁源 北冰洋 冰峰 银鹭 旺旺 喜茶 瑞幸
    """
)

# Couriers before 快递袋/快递箱 ("中通快递袋", "顺丰的箱子") say who shipped it, never what it is made of or held;
# jieba alone cuts "中通" into 中 + 通.
COURIERS: frozenset[str] = _words("顺丰 中通 圆通 申通 韵达 京东 极兔 百世 德邦 邮政 菜鸟 丰巢")

# Part words after a name: "蜡笔头", "鞭炮残屑", "甘蔗渣" go where the whole thing goes.
PART_SUFFIXES: frozenset[str] = _words(
    """
    头 屑 渣 末 残渣 残屑 碎屑 碎片 碎渣 边角料 边角 渣子 沫 沫子 子 芯
    """
)
# Bins decided by size or origin, not by material ("布艺沙发" is 大件垃圾 whatever it is made of).
SIZE_CATEGORIES: frozenset[str] = frozenset({"大件垃圾", "装修垃圾", "园林垃圾", "非生活垃圾"})

# Medicines: an unlisted drug name ("降压药", "头孢") is answered as 过期药品 (有害垃圾). A bare "丸" is no
# ending here: "鱼丸", "牛肉丸" are food; pills named "…丸" come from generalise.yaml's drug names and endings.
DRUG_SUFFIXES: tuple[str, ...] = tuple(
    "药 药片 药丸 药水 药膏 软膏 胶囊 片剂 冲剂 颗粒 口服液 糖浆 滴眼液 眼药水 喷剂".split()
)
# Names ending in a medicine suffix that are no medicine: 山药 is a yam (铁棍山药, 怀山药), 芍药 a flower, syrups for
# cooking and instant-drink or plastic granules are food or plastic, not 废药品.
NOT_DRUG_ENDINGS: tuple[str, ...] = tuple("山药 芍药 枫糖浆 玉米糖浆 果葡糖浆 咖啡颗粒 鸡精颗粒 塑料颗粒".split())
DRUG_NAMES: tuple[str, ...] = tuple(
    """头孢 阿莫西林 布洛芬 感冒灵 板蓝根 阿司匹林 维生素 钙片 消炎药 抗生素 碘伏 红霉素 紫药水 红药水
    云南白药 双黄连 小柴胡 氯雷他定 复方丹参 肠炎宁 六神丸 保济丸 牛黄解毒 藿香正气 三九胃泰 健胃消食 速效救心
    速效伤风 清凉油 风油精 红花油 脚气膏 皮炎平 达克宁 马应龙 枇杷膏 金嗓子 西瓜霜 开塞露 胰岛素 硝酸甘油""".split()
)
# State words that make a recyclable non-recyclable when said anywhere in the message ("一次性塑料碗 吃完带油的").
# "没洗", "没冲", "黏糊糊": not rinsed, so still dirty (the resident says why it is not clean).
SOILED: tuple[str, ...] = (
    *("油", "脏", "污", "发霉", "沾了", "粘了", "糊了", "海鲜", "腥", "菜汤", "汤汁", "血水"),
    *("没洗", "没冲", "没涮", "没刷", "黏糊糊", "粘糊糊"),
)
# Wet or soaked paper cannot be recycled either (郑州: 污损纸; domain.md: a wet 快递纸箱 is 其他垃圾).
WET: tuple[str, ...] = ("湿", "泡水", "水泡", "泡烂", "泡了", "淋", "雨", "受潮", "潮了", "进水")
WET_TO_OTHER: tuple[str, ...] = ("纸", "书", "本", "杂志", "报", "刊")
# Words that say a thing got dirty without naming with what ("沾了菜汤"): they pick a rule's soiled state.
STAINED: tuple[str, ...] = ("沾了", "沾满", "沾上", "粘了", "粘满", "粘上", "弄脏", "脏了", "糊了", "发霉")
SOILED_TO_OTHER: tuple[str, ...] = ("塑料", "纸", "盒", "袋", "膜", "碗", "杯", "餐", "泡沫")

# Words that open a clause about the item's state after its name ("快递纸箱淋雨了", "牛棒骨熬完汤"): the name
# before them is the item, and the clause is read for conditions, never as a longer unknown name.
STATE_CLAUSE: tuple[str, ...] = tuple(
    """
    淋雨 淋湿 淋了 被雨 泡水 泡了 进水 湿了 湿透 熬 煮 炖 泡过 吃完 吃剩 喝完 喝剩 用完 用过 用剩 穿破 穿旧 洗过 洗干净
    过期 发霉 变质 沾了 沾油 粘了 有油 带油 还有 碎了 破了 坏了 烂了 裂了 剩了 剩下 放久 放坏 拆下 换下 冲干净 冲洗 冲过 冲了
    打了 打碎 打烂 打破 摔了 摔碎 摔坏 摔烂 摔破 碎掉 啃完 啃剩 啃过 洗了 刷了 刷干净 不能用 不要了
    撒了 洒了 撒出 洒出 撒一地 洒一地 撒得 洒得 鼓起 鼓了 鼓包 胀了 发烫 啃干净 啃光 油乎乎 油腻 油汪汪 脏乎乎 黏糊糊 粘糊糊
    干净 有鱼腥 有腥味 有味 有味道 有臭味 有异味 发臭 臭了 掐灭 掐了 砸开 砸碎 砸了 剥开 剥下 剥完 拆开 撕开 撕下 涂层 没电 没水 没油 没气 不出水 不出墨 写完 写满 写过 写不出 吃完药 用了好几次
    沾满 粘满 全是 满是 都是油 脏了 脏兮兮 弄脏 空了 切下 剪下 掉了 用坏 不用了 没用了 干干净净 干净的 用成 戴过 戴了 穿过 穿了
    谢了 凋谢 蔫了 枯了 枯萎 干枯 全湿 全脏 全碎 全烂
    """.split()
)

# The same clause cut to one verb when the edge words ("了", "完") were trimmed: "瓷碗/打(了)", "大骨头棒子/啃(完了)".
STATE_VERBS: frozenset[str] = _words("打 摔 啃 洗 刷 碎 裂 脏 全 空 撒 洒 湿 破 烂 坏 臭 馊 沾 谢 蔫 枯 戴 穿 写")

# Words that say the thing is leftover food; an unknown dish with them is 厨余垃圾 ("吃剩的烩面").
LEFTOVER_CUES: tuple[str, ...] = ("吃剩", "喝剩", "剩菜", "剩饭", "放坏", "发霉", "变质", "馊", "吃不完", "没吃完")

# Tokens that separate several items in one message ("电池和纸巾", "电池、纸巾").
SEPARATORS: frozenset[str] = _words(
    """
    ， 、 和 跟 与 及 以及 还有 或 或者 加上 还有就是 and
    """
)

# Question words that show the resident asks where something goes (for the unknown reply and the unanswered queue).
SORTING_CUES: tuple[str, ...] = (
    "垃圾",
    "扔",
    "丢",
    "桶",
    "回收",
    "分类",
    "哪类",
    "哪一类",
    "怎么处理",
    "放哪",
    "投放",
    "怎么整",
    "怎么弄",
    "怎么办",
    "往哪",  # 咋整/咋弄/往哪撂 after normalisation
)

GREETINGS: frozenset[str] = _words(
    """
    你好 您好 你好啊 您好啊 hi hello 嗨 哈喽 在吗 在不在 早上好 上午好 中午好 下午好 晚上好 早 早安 晚安 有人吗 小助手
    """
)
THANKS: frozenset[str] = _words(
    """
    谢谢 谢谢你 谢谢您 多谢 感谢 非常感谢 thanks thank you thankyou thx 3q 谢啦 谢了 辛苦了 辛苦 辛苦啦 太好了 好滴 了解 好的 好 好的谢谢 明白了 知道了 懂了 ok 收到 嗯嗯 行
    """
)
GOODBYES: frozenset[str] = _words(
    """
    再见 拜拜 bye 拜 回见 下次见 没事了 没有了 没事
    """
)
ACKS: frozenset[str] = _words(
    """
    哈哈 哈哈哈 哈哈哈哈 嘿嘿 呵呵 中 中中 中嘞 好嘞 嗯 嗯呢 哦哦 噢噢 明白 可以 厉害 棒 赞 真棒 👍
    好 好的 好滴 嗯嗯 行 知道了 懂了 了解 明白了 收到 ok okay 行嘞 中啊 妥 妥了
    okk okkk 好哒 得 得了 晓得 晓得了 知道 懂 明白 对 对对 是的 嗯呐 嗯哪 学到了 学会了 记住了 记下了 原来如此 原来是这样
    这样 好吧 行吧 中吧 那好 可以的 没问题 我去扔 我去扔了 去扔了 那我去扔了
    """
)
# Address terms said with an acknowledgement or thanks ("谢谢师傅", "好的老师", "收到 谢谢大姐"): they add nothing.
ADDRESS_TERMS: tuple[str, ...] = tuple(
    """
    小姐姐 小哥哥 小助手 机器人 师傅 老师 大姐 姐姐 大哥 哥哥 阿姨 叔叔 大爷 大妈 美女 帅哥 同志 老铁 客服 亲亲 亲 姐 哥 宝
    """.split()
)
IDENTITY: frozenset[str] = _words(
    """
    你叫什么名 你叫什么名儿 你是哪个 你谁啊 你是谁 你是机器人吗 你是人吗 你是真人吗 你是ai吗 你叫什么 你叫什么名字 机器人 你是什么
    """
)
HELP_WORDS: frozenset[str] = _words(
    """
    帮助 菜单 主菜单 目录 help 功能 有什么功能 这个怎么用 咋用 你能做什么 你会什么 怎么用 使用说明 说明 ? 能干什么 你能干什么 指南 帮助菜单 菜单帮助 start /start /help 开始 使用帮助 怎么问 你能帮我什么 有什么功能
    """
)

# A stream's facilities, capacity, sites and fees ("新郑医疗废物处置能力怎么提升", "建筑垃圾消纳场在哪",
# "填埋场渗滤液怎么处理", "建筑垃圾清运费多少钱一吨") ask the plan (or its honest "not written"), never a bin
FACILITY_ASK_PATTERN = (
    "(?:处置|处理|消纳|收运)能力|消纳场|消纳点|渗滤液|处理厂|处置场|处置中心|(?:处置|处理)设施|分拣中心|周转站"
    "|清运费|处置费|消纳费"
)
