"""Default keyword rules (关键词规则) for the categories seeded by ``cases.defaults``; editable in
the admin. They drive suggestions until a model trained on the deployment's own cases is active."""

# category code → keywords (any hit counts; more hits, higher score)
KEYWORDS: dict[str, str] = {
    "0101": "井盖 窨井 雨水井 污水井 井口 井盖破损 井盖缺失",
    "0102": "路灯 不亮 灯杆 照明 黑漆漆 灯不亮",
    "0103": "漏水 水管 供水管 爆管 冒水 管道破裂",
    "0104": "消防栓 消火栓 灭火器 消防通道 消防设施",
    "0105": "公共厕所 公厕 厕所 冲水 蹲位",
    "0201": "路面 坑洼 破损 坑 裂缝 沥青 人行道砖",
    "0202": "交通标志 指示牌 标志牌 红绿灯 信号灯 标线",
    "0203": "护栏 隔离栏 栏杆 防护栏",
    "0204": "公交站 站亭 候车亭 站牌",
    "0301": "垃圾 垃圾桶 满溢 乱扔 清运 臭",
    "0302": "渣土 建筑垃圾 堆放 堆积 积存",
    "0303": "路面脏 污渍 泥浆 清扫 保洁 不洁",
    "0304": "小广告 乱张贴 涂写 涂鸦 牛皮癣 张贴",
    "0305": "油烟 烧烤 排烟 呛人 餐馆 油烟机",
    "0401": "绿地 草坪 绿化带 杂草 花坛",
    "0402": "树木 倒伏 树枝 大树 枯树 倒了",
    "0403": "毁绿 占用绿地 种菜 绿地被占 绿化带被",
    "0501": "占道经营 摆摊 占道 摊位",
    "0502": "店外经营 出店经营 门口摆放 越门",
    "0503": "乱停 停车 违停 堵路 电动车 共享单车",
    "0504": "流动摊贩 小贩 推车 三轮车 叫卖",
    "0601": "施工 噪音 夜间施工 机器 打桩 扰民",
    "0602": "违建 违法建设 搭建 加建 私搭乱建 违章",
    "0603": "扬尘 工地 灰尘 粉尘 未覆盖",
    "0604": "渣土车 遗撒 撒漏 泥土 货车",
    "0701": "塌陷 地陷 下沉 塌方 空洞",
    "0702": "积水 内涝 水淹 排水 下雨",
    "0703": "燃气 煤气 天然气 气味 泄漏 燃气泄漏",
    "0704": "停水 没水 供水中断 断水 水压",
    "2001": "邻居 邻里 纠纷 吵架 矛盾",
    "2002": "物业 物业费 物业公司 业委会 电梯",
    "2003": "噪音 扰民 吵闹 广场舞 音响 睡不着",
    "2004": "安全隐患 电线 飞线 充电 危险 私拉",
    "2005": "群租 群租房 隔断 出租屋 租客",
    "2006": "宠物 狗 犬 遛狗 狗叫 猫",
    "2007": "养老 老人 独居 助餐 照护",
    "2008": "调解 矛盾 上访 欠薪 争执",
}


def seed_defaults(apps=None) -> None:
    """Create the missing keyword rules; existing (edited) rules are left alone."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Category = apps.get_model("cases", "Category")
    KeywordRule = apps.get_model("intel", "KeywordRule")
    for code, words in KEYWORDS.items():
        category = Category.objects.filter(code=code).first()
        if category is not None and not KeywordRule.objects.filter(category=category).exists():
            KeywordRule.objects.create(category=category, words=words)
