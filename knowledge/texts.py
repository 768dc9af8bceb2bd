"""Everything the knowledge core says to residents, in Simplified Chinese; wording changes touch no logic."""

from __future__ import annotations

BINS: dict[str, str] = {
    "可回收物": "蓝色桶",
    "有害垃圾": "红色桶",
    "厨余垃圾": "绿色桶",
    "其他垃圾": "灰色桶",
}

# What to do with the streams that do not go into the four household bins.
STREAMS: dict[str, str] = {
    "大件垃圾": "不进四色桶：放到小区大件垃圾临时堆放点，或联系物业/社区预约上门清运。",
    "装修垃圾": "不进四色桶：装袋后放到物业指定的装修垃圾堆放点，由有资质的单位清运。",
    "园林垃圾": "少量枝叶花草可投厨余垃圾；大量修剪枝叶请单独堆放，由园林或环卫部门收运。",
    "非生活垃圾": "不属于生活垃圾，不能投放到小区垃圾桶，请交给有资质的单位或联系相关部门处理。",
}

# 二次四分法 for rural residents: 会烂/不会烂 first, then 好卖/不好卖; 有害 kept apart.
RURAL: dict[str, str] = {
    "厨余垃圾": "会烂的",
    "园林垃圾": "会烂的",
    "可回收物": "不会烂的·好卖的",
    "其他垃圾": "不会烂的·不好卖的",
    "有害垃圾": "有害垃圾（单独存放）",
    "大件垃圾": "大件垃圾（单独清运）",
    "装修垃圾": "装修垃圾（单独清运）",
    "非生活垃圾": "不属于生活垃圾",
}
RURAL_HOW: dict[str, str] = {
    "会烂的": "倒进“会烂”的桶，可就地堆肥。",
    "不会烂的·好卖的": "攒起来卖给回收点（两网融合回收站）。",
    "不会烂的·不好卖的": "放进“不会烂”的桶，由村保洁员收集转运。",
    "有害垃圾（单独存放）": "不要混入其他垃圾，交到村里的有害垃圾收集点。",
}

CATEGORY_INFO: dict[str, str] = {
    "可回收物": "可回收物（蓝色桶）：废纸、塑料、金属、玻璃、织物、废旧电器等能再利用的东西，尽量干净、干燥。",
    "有害垃圾": "有害垃圾（红色桶）：充电电池/纽扣电池、废灯管、废药品、废油漆和溶剂、杀虫剂、水银温度计等。",
    "厨余垃圾": "厨余垃圾（绿色桶，也叫湿垃圾）：剩菜剩饭、菜叶、果皮果核、蛋壳、茶渣、小骨头、虾蟹壳等，沥干水分再投。",
    "其他垃圾": "其他垃圾（灰色桶，也叫干垃圾）：用过的纸巾、尿不湿、烟头、陶瓷碎片、大骨头、贝壳、污损的塑料和纸等。",
}

GENERAL_RULE = (
    "一般规则：纸、塑料、金属、玻璃、织物、旧电器 → 可回收物；电池、灯管、药品、油漆 → 有害垃圾；"
    "剩菜果皮等会腐烂的 → 厨余垃圾；其余 → 其他垃圾。拿不准时可问小区督导员。"
)
UNKNOWN_ITEM = "抱歉，我还不确定“{query}”属于哪一类，已记录下来请工作人员补充。"
UNKNOWN_HINT = "（它和“{surface}”不一定相同，不能直接照搬。）"
PLAN_SILENT = "{place}的方案里没有写到这一项。一般说明："  # before an FAQ answer about a plan that is silent on it
OUT_OF_SCOPE = "我主要回答垃圾分类和“无废城市”建设的问题。可以问我“某样东西扔哪个桶”，或发送“帮助”看看我能做什么。"
EMPTY = "请直接发给我想问的东西，比如“用过的纸巾扔哪个桶？”"
UNCONFIRMED = "各地规定不同，以所在社区的要求为准。"
# after the usual bin of a rule 郑州 has not settled and no question can settle (`hedge` in local_rules.yaml)
HEDGED_LINE = "{name}：郑州暂无明确规定，一般做法是投{bin}。"
HEDGED = "各地做法不同，拿不准请问小区督导员或社区，按他们的要求投。"
PUBLIC_TWO_BINS = "在路边、公园、车站等公共场所一般只有可回收物和其他垃圾两种桶：厨余和有害垃圾请带回家或单位再投。"
ASSUMED = "按{when}的算"
IF_OTHER = "如果{when}，投{category}。"
AS_WHAT = "按“{surface}”回答："
CONTAINER_OF = "（按“{surface}”的包装物处理）"
HOMOPHONE = "（您说的应该是“{surface}”）"
CAN_RECYCLE = "可以回收。"
CANNOT_RECYCLE = "不属于可回收物。"
CHOOSE = "回复数字即可。"
NOT_SURE_KIND = "不清楚是哪种也没关系，各种的投法如下："
ALL_KINDS = "几种都有的话，请分开投放："
REASK_RANGE = "请回复 1 到 {n} 之间的数字，或者直接说是哪一种。"
REASK_NONE = "那请说说它是什么做的、做什么用的；拿不准就回复“不知道”，我告诉您各种的投法。"
CHOICE_WITHOUT_QUESTION = "这个选项已经过期啦。请直接发给我想问的东西，比如“用过的纸巾扔哪个桶？”"
CHOICE_NOTHING_ASKED = "我刚才没有给出可选的序号。请直接发给我想问的东西，比如“用过的纸巾扔哪个桶？”"
CHOICE_NOT_OFFERED = "我刚才没有让您选序号。关于“{query}”，您想问的是哪一点？可以直接说，比如“有油的”“洗干净了”“那它的包装呢”；问别的东西就直接发名字。"
SAME_EVERY_DAY = "哪天扔、几点扔，分法都一样。"
COST_NOT_KNOWN = "收不收费、收多少由小区物业或社区定，我这里没有收费标准，请问一下物业或社区。这样东西的投法："
TOGETHER_YES = "可以放在一起，都属于{category}："
TOGETHER_NO = "不能放在一起，要分开投："
STATE_WITHOUT_ITEM = (
    "您说的“{said}”是哪样东西？请把东西的名字和情况一起发给我（比如“纸箱淋湿了”“外卖盒洗干净了”），我告诉您扔哪个桶。"
)
MIXED = "混在一起的要分开投，挑出来各投各的桶："
WHICH_ITEM = "您问的是什么东西？请把它的名字发给我（比如“旧台灯”“奶茶杯”“过期的药”），我告诉您扔哪个桶。"
PHOTO = "收到您的图片啦！我还看不懂图片，请用文字告诉我图里是什么东西（比如“旧台灯”“奶茶杯”），我马上告诉您扔哪个桶。"

GREETING = "您好！我是无废城市小助手，可以问我“某样东西扔哪个桶”，或者无废城市建设的问题。"
THANKS = "不客气！垃圾分一分，环境美十分。"
IDENTITY = "我是无废城市小助手，一个自动答疑的机器人：告诉您垃圾怎么分、无废城市建设的要求。拿不准的我会直说。"
ACK = "好的～还有想问的，直接把东西的名字发给我就行。"
SOILED_TIP = "沾了油污、洗不干净的塑料和纸不能回收，放其他垃圾；能洗干净的洗净后可回收。"
WET_TIP = "泡湿、受潮的纸不能回收，放其他垃圾；干燥、干净的纸才放可回收物。"
MATERIAL_TIP = "按材质判断：{material}制品投{category}。"
GOODBYE = "再见！有问题随时来问我。"
HELP = (
    "我能帮您：\n"
    "1. 垃圾分类：直接发物品名，如“用过的纸巾”“充电电池扔哪”；\n"
    "2. 无废城市：如“什么是无废细胞”“快递绿色包装使用率目标是多少”；\n"
    "3. 农村居民发送“我在农村”，按“会烂/不会烂”二次四分法回答；发送“我在城区”切换回来；\n"
    "4. 宣传和活动通知：回复“订阅”接收，回复“退订”不再接收；\n"
    "5. 在微信、Telegram、网页上都用小助手的，发送“绑定”可把几个账号合成一个，通知只收一份；\n"
    "6. 想找工作人员：发送“人工”，工作人员看到后会在这里回复您。"
)
AREA_SET = {
    "rural": "好的，已按农村“二次四分法”回答：先分会烂的和不会烂的，不会烂的再分好卖的和不好卖的，有害垃圾单独放。",
    "urban": "好的，已按城区四分类回答：可回收物、有害垃圾、厨余垃圾、其他垃圾。",
}

# Names the catalogue does not know (knowledge/generalise.py, knowledge/fallback.py).
RULE_TIP = "（清单里没有这一项，按同类物品推断：{reason}）。"
MODEL_TIP = "（清单里没有这一项，这是按相近名称推测的，拿不准可问小区督导员。）"
# A recyclable container that still holds food or drink ("没喝完的牛奶盒"): empty it first, then it depends.
CONTENTS_LEFT_QUESTION = "“{query}”里面还有东西：先把剩下的倒掉（饮料倒进水池，剩的食物投厨余垃圾），容器再按情况投："
CONTENTS_LEFT_HINTS: dict[str, str] = {
    "可回收物": "倒空、冲干净了",
    "其他垃圾": "倒不干净、沾满了残留",
}
GUESS_QUESTION = "“{query}”我没有把握，它最可能是下面两类之一，请按实际情况选："
GUESS_HINTS: dict[str, str] = {
    "可回收物": "干净的纸、塑料、金属、玻璃、布料或电器",
    "有害垃圾": "药品、电池、灯管、油漆、杀虫剂等化学品",
    "厨余垃圾": "吃的、会腐烂的东西（食物、果皮、菜叶）",
    "其他垃圾": "脏了、混合材料或陶瓷、纸巾、卫生用品",
    "大件垃圾": "旧家具等体积大的东西",
    "装修垃圾": "装修拆下来的砖石、板材",
    "园林垃圾": "修剪下来的大量枝叶",
    "非生活垃圾": "生产或施工产生的废物",
}
GUESS_CHOSEN = "好的，按您说的：{query}属于{category}。"
IS_CATEGORY = "是的，属于{category}。"
NOT_CATEGORY = "不是{category}。"

# "开封不分类罚款吗": the fine is 郑州's rule; another place's is not loaded and is not replaced by 郑州's
FINES_ELSEWHERE = (
    "{place}的垃圾分类罚款规定还没有导入，我不拿郑州的规定代替。这里回答的是郑州市（含新郑、新密）的"
    "《郑州市城市生活垃圾分类管理办法》，{place}的处罚标准请以当地的生活垃圾管理规定为准，或咨询当地城市管理部门。"
)
