"""Rule data of cadre supervision: the grounds (依据) an adjustment or a 问责 decision cites.

Seeded by a data migration (``seed_grounds``), editable in the admin (干部监督依据). Sources and
confidence: ``docs/apps/cadres.md``. Texts are short summaries of the listed situations, not the
regulation's full wording.
"""

from __future__ import annotations

NSNX = "推进领导干部能上能下规定"  # 中共中央办公厅 2022年9月印发 (2015 试行, 2022 修订)
WZ = "中国共产党问责条例"  # 中共中央 2019年9月修订

_NUMERALS = "一二三四五六七八九十"


def _item(number: int) -> str:
    if number <= 10:
        return _NUMERALS[number - 1]
    return "十" + _NUMERALS[number - 11]


VERIFIED = "条文经公开转载核对(安徽网 2022-09-20 转载全文)"
TO_CHECK = "按记忆整理,待与印发文本核对"
WZ_SOURCE = "按条例结构整理,待与中央印发文本核对"

# 第五条: 不适宜担任现职的情形 (2022: fifteen situations).
UNSUITABLE = [
    ("政治能力不过硬,贯彻落实党中央决策部署存在明显差距", VERIFIED),
    ("理想信念动摇,在重大原则问题上立场不坚定、关键时刻经不住考验", VERIFIED),
    ("担当和斗争精神不强,紧要关头临阵退缩、急难险重任务面前消极逃避或应对不力", VERIFIED),
    ("政绩观存在偏差,不作为或搞“形象工程”“政绩工程”乱作为", VERIFIED),
    ("违背民主集中制原则,独断专行或软弱涣散,任人唯亲、破坏政治生态", VERIFIED),
    ("组织观念淡薄,不执行请示报告、个人有关事项报告等制度或拒不服从组织调动", VERIFIED),
    ("事业心和责任感不强,敷衍塞责,工作推拖绕躲、贻误事业发展", VERIFIED),
    ("领导能力不足,不能有效履职,所负责工作较长时间处于落后状态", VERIFIED),
    ("履行全面从严治党责任不力,管党治党宽松软", TO_CHECK),
    ("作风不实,形式主义、官僚主义问题突出", TO_CHECK),
    ("违反中央八项规定精神,不严格遵守廉洁自律规定", TO_CHECK),
    ("品行不端,违背社会公德、职业道德、家庭美德,造成不良影响", TO_CHECK),
    ("在干部考察、巡视巡察、审计等工作中发现问题较多,群众反映强烈", TO_CHECK),
    ("配偶已移居国(境)外或没有配偶但子女均已移居国(境)外,不适宜担任现职", TO_CHECK),
    ("其他不适宜担任现职、需要调整的情形", TO_CHECK),
]

# 第七条: 应当予以问责的失职失责情形.
ACCOUNTABILITY = [
    "党的领导弱化,党的政治建设抓得不实,贯彻党中央决策部署不力",
    "党的思想建设缺失,意识形态工作责任制落实不到位",
    "党的组织建设薄弱,基层党组织软弱涣散,选人用人问题突出",
    "党的作风建设松懈,形式主义、官僚主义问题突出",
    "党的纪律建设抓得不严,维护党的纪律不力",
    "推进党风廉政建设和反腐败斗争不坚决、不扎实",
    "全面从严治党主体责任、监督责任落实不到位",
    "履行管理、监督职责不力,职责范围内发生重特大事故、事件",
    "在推进改革发展稳定、落实重大决策部署中不担当、不作为,造成严重后果",
    "在教育医疗、生态环境、食品药品安全等群众切身利益问题上失职失责",
    "其他应当问责的失职失责情形",
]


def ground_rows() -> list[dict]:
    rows = []
    for i, (text, source) in enumerate(UNSUITABLE, start=1):
        rows.append(
            {
                "code": f"nsnx.5.{i}",
                "kind": "unsuitable",
                "regulation": NSNX,
                "article": f"第五条第({_item(i)})项",
                "text": text,
                "source": source,
                "order": i,
            }
        )
    for i, text in enumerate(ACCOUNTABILITY, start=1):
        rows.append(
            {
                "code": f"wz.7.{i}",
                "kind": "accountability",
                "regulation": WZ,
                "article": f"第七条第({_item(i)})项",
                "text": text,
                "source": WZ_SOURCE,
                "order": i,
            }
        )
    return rows


def seed_grounds(Ground) -> int:
    """Add the grounds not yet there (by code); existing rows, edited in the admin, are kept."""
    known = set(Ground.objects.values_list("code", flat=True))
    new = [Ground(**row) for row in ground_rows() if row["code"] not in known]
    Ground.objects.bulk_create(new)
    return len(new)
