"""Speech → draft: slogans are 原则要求, not tasks; each mechanism names the module that carries it
and takes its lead unit from the mapping (workplan/data/mechanisms.toml)."""

import pytest
from django.urls import reverse

from workplan import mechanisms
from workplan.classify import PRINCIPLE, TASK, classify
from workplan.extract import extract, render_outline
from workplan.units import UnitMatcher

from .test_extract import seed_text

SLOGANS = [
    "要不断提高政治站位,增强“四个意识”、坚定“四个自信”、做到“两个维护”",
    "要充分认识做好新时代组织工作的重大意义",
    "要以党的政治建设为统领,切实增强抓好党建工作的思想自觉和行动自觉",
    "要牢固树立抓发展是第一要务的理念",
    "各级党组织要自觉围绕中心、服务大局,勇于担当",
    "要以***新时代中国特色社会主义思想为引领,推动各项工作走在全市前列",
    "要切实增强做好意识形态工作的政治自觉",
    "要保持战略定力,锲而不舍落实中央八项规定精神",
]
TASKS = [
    "要建立健全网格事项流转处置机制",
    "6月底前完成全区村(社区)党组织书记轮训",
    "举办基层党组织书记和党务工作者能力素质提升培训班",
    "开展“两先一优”表彰活动",
    "各街道要在年底前完成30个软弱涣散党组织整顿",
    "推行领导干部接访下访制度",
    "整改巡察反馈的12个问题",
    "实现党建指导员对非公企业全覆盖",
]

# A paragraph of another speech, written for this test, mixing stances and deployments.
OTHER_SPEECH = """区委副书记在全区党建工作推进会上的讲话
一、提高站位,压实责任
要充分认识抓好基层党建的重要意义,切实增强抓党建的政治自觉。要以党的政治建设为统领,树立抓党建是最大政绩的理念。各街道党工委要在6月底前完成软弱涣散村(社区)党组织整顿。区委组织部要建立健全书记抓基层党建述职评议考核制度。
二、创新机制,提质增效
要推进党建联盟进社区、进物业、进网格。区委督查室要建立重点任务督查督办台账,每月通报1次。各级领导干部要常态化开展“走流程”。要保持战略定力,锲而不舍落实中央八项规定精神。
"""


@pytest.mark.parametrize("text", SLOGANS)
def test_slogans_are_principles(text):
    verdict = classify(text)
    assert verdict.kind == PRINCIPLE, verdict


@pytest.mark.parametrize("text", TASKS)
def test_concrete_actions_are_tasks(text):
    assert classify(text).kind == TASK


def test_the_mapping_is_data_and_complete():
    keys = {m.key for m in mechanisms.mechanisms()}
    assert {
        "grid",
        "supervision",
        "party_life",
        "development",
        "four_two",
        "duty_review",
        "cadres",
        "walks",
        "rectify",
        "study_group",
        "two_new",
        "ability_year",
    } <= keys
    assert mechanisms.match("建立健全网格事项流转处置机制").module == "cases"
    assert mechanisms.by_key("grid").leads[0] == "区委政法委"
    assert mechanisms.by_key("duty_review").module == "party.duty_review"
    # A module that exists links to its page; one not built yet has no link (and no error).
    assert mechanisms.by_key("grid").url == reverse("cases:list")
    assert mechanisms.by_key("ability_year").url == reverse("workplan:activity_lists")
    missing = mechanisms.Mechanism("x", "x", "x", "x", ("nowhere:page",), ("区委组织部",), ())
    assert missing.url == ""


def test_seed_speech_lists_no_slogan_as_a_task_and_names_each_module():
    draft = extract(seed_text(), year=2026)
    outline = render_outline(draft)
    for slogan in (
        "旗帜鲜明讲政治",
        "四个意识",
        "提高政治站位",
        "国之大者",
        "发扬实干精神",
        "好干部”标准",
        "自觉围绕中心",
    ):
        assert slogan not in outline, slogan
        assert any(slogan in node.title for node in draft.principles()), slogan
    carried = {node.mechanism.key: node for node in draft.carried()}
    assert {
        "grid",
        "party_life",
        "development",
        "four_two",
        "duty_review",
        "cadres",
        "walks",
        "rectify",
        "study_group",
        "two_new",
        "ability_year",
    } <= set(carried)
    assert "网格事项流转处置机制" in carried["grid"].title and carried["grid"].lead == "区委政法委"
    assert carried["walks"].title.endswith("“走流程”")
    assert carried["rectify"].inferred  # 巡视……自查中发现……问题: no directive, an inferred task
    assert carried["ability_year"].lead == "区委办公室"
    # Every task node is either carried by a module or a concrete action.
    for _, node in draft.walk():
        if node.kind == "directive":
            assert node.reason, node.title


def test_another_speech():
    draft = extract(OTHER_SPEECH, year=2026)
    outline = render_outline(draft)
    assert "充分认识" not in outline and "政治自觉" not in outline and "战略定力" not in outline
    assert "最大政绩" not in outline
    assert "软弱涣散" in outline
    carried = {node.mechanism.key for node in draft.carried()}
    assert {"duty_review", "two_new", "supervision", "walks"} <= carried


@pytest.mark.django_db
def test_leads_come_from_the_mapping_and_the_org_tree(wp):
    draft = extract(seed_text(), matcher=UnitMatcher(), year=2026)
    carried = {node.mechanism.key: node for node in draft.carried()}
    assert carried["grid"].lead_org_id == wp["zfw"].pk
    # 区委办公室 is missing in this tree: the 组织部 found next leads.
    assert carried["ability_year"].lead_org_id == wp["zzb"].pk
    # No 巡察办 in this tree: the lead found in the text stays, the mapping is shown beside it.
    assert carried["rectify"].lead_org_id == wp["zzb"].pk and carried["rectify"].mapped_lead == "区委巡察办"


@pytest.mark.django_db
def test_draft_page_lists_modules_and_principles_apart(client, wp):
    client.force_login(wp.users["dudao"])
    page = client.post(reverse("workplan:draft"), {"text": seed_text(), "year": 2026})
    body = page.content.decode()
    assert page.status_code == 200
    outline = body[body.index('name="outline"') :]
    outline = outline[: outline.index("</textarea>")]
    assert "四个意识" not in outline and "旗帜鲜明讲政治" not in outline
    principles = body[body.index("原则要求(不列为督办任务)") :]
    assert "四个意识" in principles and "旗帜鲜明讲政治" in principles
    link = reverse("cases:list")
    assert f'由<a href="{link}">【网格事项】</a>承载' in body
    assert "【领导干部走流程】" in body  # linked once the walks module lands
    assert "按分工:区委巡察办" in body  # the tree has no 巡察办: the text's lead stays
