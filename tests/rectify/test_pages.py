"""The pages of the loop: 转整改 from the findings list, the list page, the item page (report,
销号, 退回), the printable 整改台账 (HTML and Excel) and the 整改进展情况报告; scope of each."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from party.compliance.findings import Finding
from party.finding_actions import for_finding
from rectify import services
from rectify.models import ProblemList, RectifyItem
from workplan.models import TaskState

from .conftest import pdf

pytestmark = pytest.mark.django_db


def finding(rw, rule="meeting.missing"):
    b1 = rw["b1"]
    return Finding("high", rule, b1.pk, b1.name, b1.path, "本季度未召开支部委员会", period="2026年第三季度")


def test_finding_action_only_for_issuers_in_scope(rw):
    f = finding(rw)
    [action] = for_finding(rw.users["zzb"], f)
    assert action.label == "转整改" and action.url.startswith(reverse("rectify:from_finding"))
    assert for_finding(rw.users["zzb_other"], f) == []
    assert for_finding(rw.users["shuji"], f) == []


def test_from_finding_form_prefilled_then_one_click_issue(client, rw):
    client.force_login(rw.users["zzb"])
    f = finding(rw)
    url = for_finding(rw.users["zzb"], f)[0].url
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert rw["b1"].name in text and "本季度未召开支部委员会" in text and "2026年第三季度" in text
    posted = client.post(
        reverse("rectify:from_finding"),
        {
            "rule": f.rule,
            "org": f.org_id,
            "period": f.period,
            "issuer": rw["party"].pk,
            "text": "支部委员会会议次数不足",
            "measure": "补开支部委员会",
            "responsible_name": "刘书记",
            "deadline": "2027-01-31",
        },
    )
    item = RectifyItem.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse("rectify:item", args=[item.pk])
    again = client.get(url)
    assert "已转整改" in again.content.decode()
    client.force_login(rw.users["zzb_other"])
    assert client.get(url).status_code == 404


def test_report_close_and_return_on_the_item_page(client, rw, item):
    url = reverse("rectify:item", args=[item.pk])
    client.force_login(rw.users["shuji"])
    page = client.get(url).content.decode()
    assert 'id="report-form"' in page and 'id="close-form"' not in page
    response = client.post(
        url, {"action": "report", "percent": "100", "text": "整改完成", "complete": "on", "evidence": pdf()}
    )
    assert response.status_code == 302
    item.task.refresh_from_db()
    assert item.task.state == TaskState.SUBMITTED
    assert client.post(url, {"action": "close"}).status_code == 404  # not the issuing body
    client.force_login(rw.users["zzb"])
    page = client.get(url).content.decode()
    assert 'id="close-form"' in page and "evidence.pdf" in page
    bad = client.post(url, {"action": "return", "reason": ""})
    assert bad.status_code == 200 and "请填写退回理由" in bad.content.decode()
    assert client.post(url, {"action": "close", "note": "同意销号"}).status_code == 302
    item.task.refresh_from_db()
    assert item.task.state == TaskState.CLOSED
    assert "已销号" in client.get(url).content.decode()


def test_list_pages_are_scoped(client, rw, item):
    plist = item.problem.problem_list
    pages = [
        reverse("rectify:detail", args=[plist.pk]),
        reverse("rectify:item", args=[item.pk]),
        reverse("rectify:ledger", args=[plist.pk]),
        reverse("rectify:progress", args=[plist.pk]),
    ]
    for insider in ("zzb", "shuji"):
        client.force_login(rw.users[insider])
        assert [client.get(u).status_code for u in pages] == [200] * 4, insider
        assert plist.title in client.get(reverse("rectify:index")).content.decode()
    for outsider in ("zzb_other", "shuji3", "bumen"):
        client.force_login(rw.users[outsider])
        assert [client.get(u).status_code for u in pages] == [404] * 4, outsider
    assert not ProblemList.objects.visible_to(rw.users["shuji3"]).exists()
    assert RectifyItem.objects.visible_to(rw.users["shuji"]).count() == 1
    assert not RectifyItem.objects.visible_to(rw.users["bumen"]).exists()


def test_new_list_add_problem_and_item_through_the_pages(client, rw):
    client.force_login(rw.users["zzb"])
    response = client.post(
        reverse("rectify:new"),
        {
            "issuer": rw["party"].pk,
            "title": "省委巡视反馈问题",
            "source": "xunshi",
            "issuer_name": "省委第三巡视组",
            "unit": rw["w1"].pk,
            "feedback_on": "2026-11-02",
        },
    )
    plist = ProblemList.objects.get()
    assert response.status_code == 302 and plist.report_due == dt.date(2027, 1, 2)
    client.post(reverse("rectify:add_problem", args=[plist.pk]), {"text": "基层党组织书记配备不到位"})
    problem = plist.problems.get()
    client.post(
        reverse("rectify:add_item", args=[plist.pk]),
        {"problem": problem.pk, "measure": "配齐书记", "unit": rw["b1"].pk, "deadline": "2027-01-02"},
    )
    assert RectifyItem.objects.filter(problem=problem, unit=rw["b1"]).exists()
    client.force_login(rw.users["shuji"])
    assert client.get(reverse("rectify:new")).status_code == 404


def test_ledger_excel_and_progress_report(client, rw, item):
    services.report(
        item, actor=rw.users["shuji"], percent=100, text="已整改", complete=True, evidence=[("文件", pdf())]
    )
    services.close_item(item, actor=rw.users["zzb"])
    plist = item.problem.problem_list
    other = services.add_problem(plist, actor=rw.users["zzb"], text="党费收缴不规范")
    services.add_item(
        other, actor=rw.users["zzb"], measure="补缴党费", unit=rw["b1"], deadline=dt.date(2026, 12, 7)
    )
    client.force_login(rw.users["zzb"])
    response = client.get(reverse("rectify:ledger", args=[plist.pk]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(r for r in values if r and r[0] == "序号")
    assert list(header[:8]) == [
        "序号",
        "问题",
        "整改措施",
        "责任单位",
        "责任人",
        "完成时限",
        "整改进展",
        "销号情况",
    ]
    body = [r for r in values if r and isinstance(r[0], int)]
    assert body[0][7].startswith("已销号") and body[1][7] == "整改中" and body[0][3] == rw["b1"].name
    printed = client.get(reverse("rectify:ledger", args=[plist.pk])).content.decode()
    assert "整改台账" in printed and "补缴党费" in printed
    report = client.get(reverse("rectify:progress", args=[plist.pk])).content.decode()
    assert "整改进展情况报告" in report and "销号率50%" in report


def test_an_overdue_item_climbs_the_ladder_and_the_unit_replies(client, rw, plist):
    """Escalation comes from the work plan: an overdue 整改 item gets its 督办通知单, the branch
    secretary (rectify_report, no workplan_report) answers it, and the item page lists it."""
    import time_machine

    from workplan import escalation
    from workplan.models import Notice, NoticeKind

    problem = services.add_problem(plist, actor=rw.users["zzb"], text="党员发展程序不规范")
    late = services.add_item(
        problem,
        actor=rw.users["zzb"],
        measure="逐人核查发展党员档案",
        unit=rw["b1"],
        start_on=dt.date(2026, 11, 20),
        deadline=dt.date(2026, 11, 30),
    )
    with time_machine.travel(dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        escalation.run_ladder()
    notice = Notice.objects.filter(task=late.task, kind=NoticeKind.NOTICE).first()
    assert notice is not None and notice.unit == rw["b1"]
    escalation.reply_notice(notice, actor=rw.users["shuji"], reply="已全面核查,正在补齐材料")
    client.force_login(rw.users["shuji"])
    page = client.get(reverse("rectify:item", args=[late.pk])).content.decode()
    assert 'id="notices"' in page and "督办通知单" in page and "已回复" in page
