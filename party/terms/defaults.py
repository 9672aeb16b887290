"""Rule data of the leadership (班子): elections and approvals (换届选举、书记副书记报批) and leading
cadres' dual organization life (双重组织生活), seeded as national defaults (``RuleParameter`` rows,
editable and versioned like the others). rules.md §6.7, §6.9, §6.10, §1.20, §1.18."""

import datetime

from party.rules.seeding import seed_rows

ELECTION_RULES = "《中国共产党基层组织选举工作条例》(2020)"
U_ELECTION = "http://m.whcctv.net/col_dnfgk/202503/000B3736CCC9D20A0FD74FD516EBAC78.htm"
U_WIN = "https://www.sz.gov.cn/hdjl/ywzsk/jyj/fwxx/djjjjjcygwd/content/post_7853136.html"
U_APPROVAL = "https://wapiknow.baidu.com/question/1967604326295520820.html"
U_DUAL = "http://jsjx.cxxy.seu.edu.cn/2021/0529/c371a48041/page.htm"
DEMOCRATIC_LIFE = "《县以上党和国家机关党员领导干部民主生活会若干规定》"
EFFECTIVE = datetime.date(2020, 7, 1)

# code, name, value, type, unit, source, url, confidence, confirmed
ROWS = [
    (
        "election.quorum_share",
        "选举有效:实到有选举权党员须超过应到的比例",
        "0.8",
        "decimal",
        "",
        f"{ELECTION_RULES}(有选举权的到会人数超过应到会人数的五分之四,条款号待核)",
        U_ELECTION,
        "A",
        False,
    ),
    (
        "election.win_share",
        "当选:赞成票须超过实到会有选举权人数的比例",
        "0.5",
        "decimal",
        "",
        "原《基层组织选举工作暂行条例》第二十二条(超过实到会有选举权人数的一半)",
        U_WIN,
        "A",
        False,
    ),
    (
        "appointment.approval_days",
        "书记、副书记报批后应批复天数(超过即提示)",
        "30",
        "int",
        "天",
        "《中国共产党支部工作条例(试行)》第二十一条:书记、副书记选举产生后报上级党组织批准(批复时限为地方做法)",
        U_APPROVAL,
        "C",
        False,
    ),
    (
        "cadre.branch_life.period",
        "领导干部参加所在支部组织生活的检查周期",
        "quarter",
        "period",
        "",
        "《中国共产党支部工作条例(试行)》:党员领导干部应当编入党支部,参加双重组织生活(条款号待核)",
        U_DUAL,
        "B",
        False,
    ),
    (
        "meeting.democratic_life.period",
        "民主生活会周期",
        "year",
        "period",
        "",
        f"{DEMOCRATIC_LIFE}:民主生活会一般每年召开一次",
        U_DUAL,
        "B",
        False,
    ),
    (
        "care.elder_age",
        "走访慰问:高龄党员年龄",
        "80",
        "int",
        "岁",
        "本地规则,待确认(各地“七一”、春节走访慰问高龄、老党员的常见做法)",
        "",
        "C",
        False,
    ),
    (
        "care.old_member_years",
        "走访慰问:老党员党龄",
        "50",
        "int",
        "年",
        "本地规则,待确认(党龄50年以上的老党员,“光荣在党50年”纪念章对象)",
        "",
        "C",
        False,
    ),
    (
        "care.visit_months",
        "高龄、老党员应在多少个月内走访一次",
        "12",
        "int",
        "个月",
        "本地规则,待确认(每年至少走访慰问一次)",
        "",
        "C",
        False,
    ),
    (
        "commend.quota.outstanding_member",
        "两优一先:每个推荐党组织每年优秀共产党员推荐名额",
        "2",
        "int",
        "名",
        "本地规则,待确认(名额由上级党委按比例分配;可在规则参数中按组织单独设置)",
        "https://www.mishuzj.com/doc/191035.html",
        "C",
        False,
    ),
    (
        "commend.quota.outstanding_worker",
        "两优一先:每个推荐党组织每年优秀党务工作者推荐名额",
        "1",
        "int",
        "名",
        "本地规则,待确认(名额由上级党委按比例分配;可在规则参数中按组织单独设置)",
        "https://www.mishuzj.com/doc/191035.html",
        "C",
        False,
    ),
    (
        "commend.quota.advanced_org",
        "两优一先:每个推荐党组织每年先进基层党组织推荐名额",
        "1",
        "int",
        "个",
        "本地规则,待确认(名额由上级党委按比例分配;可在规则参数中按组织单独设置)",
        "https://www.mishuzj.com/doc/191035.html",
        "C",
        False,
    ),
    (
        "study.credit.democratic_life",
        "民主生活会计入学时",
        "0",
        "decimal",
        "学时",
        "本地规则,待确认(民主生活会不计学习学时)",
        "",
        "C",
        False,
    ),
]


def seed_term_defaults(apps=None) -> None:
    if apps is None:
        from django.apps import apps
    seed_rows(apps, [(*row, EFFECTIVE) for row in ROWS])
