"""述职评议考核: weights and levels, the round's statuses, permissions and scope, the immutable
closed round, the problem list contract, the pages and the Excel ledger."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from party.compliance.engine import check
from party.duty_review import selectors
from party.duty_review import services as review
from party.duty_review.models import ReviewProblem, ReviewReporter, ReviewRound, RoundStatus

from ..conftest import grant
from .conftest import add_members, appoint

pytestmark = pytest.mark.django_db

GOOD = {"first_duty": 95, "organization": 92, "members": 90, "three_one": 94, "problems": 91}
WEAK = {"first_duty": 70, "organization": 65, "members": 72, "three_one": 60, "problems": 68}
SUMMARY = "本年度认真履行抓基层党建第一责任人职责,推进支部标准化规范化建设,落实三会一课。"


@pytest.fixture
def setup(world, seeded):
    """A round of the 区委 (organizer ``zzb``) with two reporting branches (b1: secretary ``sj1``,
    b3) and a rater ``dw`` (party committee of w1)."""
    zzb = grant(world, "zzb", Role.ORG_DEPT, "party")
    sj1 = grant(world, "sj1", Role.BRANCH_SECRETARY, "b1")
    sj3 = grant(world, "sj3", Role.BRANCH_SECRETARY, "b3")
    dw = grant(world, "dw", Role.PARTY_COMMITTEE, "w1")
    for key in ("b1", "b3"):
        members = add_members(world[key], 5)
        appoint(members[0], world[key])
    round_ = review.create_round(actor=zzb, org=world["party"], year=2026, report_due=dt.date(2026, 12, 20))
    r1 = review.add_reporter(actor=zzb, round_=round_, org=world["b1"], secretary=sj1)
    r3 = review.add_reporter(actor=zzb, round_=round_, org=world["b3"])
    review.assign_rater(actor=zzb, round_=round_, user=dw)
    return {"round": round_, "zzb": zzb, "sj1": sj1, "sj3": sj3, "dw": dw, "r1": r1, "r3": r3}


def _to_rating(s):
    review.open_round(actor=s["zzb"], round_=s["round"])
    review.submit_report(actor=s["sj1"], reporter=s["r1"], summary=SUMMARY)
    return review.start_rating(actor=s["zzb"], round_=s["round"])


def _published(s):
    _to_rating(s)
    review.rate(actor=s["dw"], reporter=s["r1"], scores=GOOD, comment="履职到位")
    review.rate(actor=s["dw"], reporter=s["r3"], scores=WEAK, comment="组织生活不规范")
    review.close_round(actor=s["zzb"], round_=s["round"])
    problem = review.add_problem(actor=s["zzb"], reporter=s["r3"], text="“三会一课”记录不全,主题党日流于形式")
    review.publish_round(actor=s["zzb"], round_=s["round"])
    return problem


def test_weights_and_levels():
    items = [{"code": "a", "weight": "30"}, {"code": "b", "weight": "70"}]
    assert review.weighted({"a": Decimal(100), "b": Decimal(50)}, items) == Decimal("65.00")
    thresholds = {"good": "90", "fair": "80", "average": "60"}
    assert [review.level_for(Decimal(v), thresholds) for v in (90, 89.99, 80, 60, 59.9)] == [
        "good",
        "fair",
        "fair",
        "average",
        "poor",
    ]


def test_items_and_thresholds_are_rule_data_frozen_at_opening(setup):
    from party.models import RuleParameter

    RuleParameter.objects.filter(code="duty_review.weight.problems").update(value="40")
    round_ = review.open_round(actor=setup["zzb"], round_=setup["round"])
    weights = {i["code"]: i["weight"] for i in round_.items}
    assert weights["problems"] == "40" and len(weights) == 5
    assert round_.thresholds == {"good": "90", "fair": "80", "average": "60"}
    RuleParameter.objects.filter(code="duty_review.weight.problems").update(value="10")
    round_.refresh_from_db()
    assert {i["code"]: i["weight"] for i in round_.items}["problems"] == "40"


def test_round_end_to_end_results_and_problems(setup):
    problem = _published(setup)
    r1, r3 = (ReviewReporter.objects.get(pk=setup[k].pk) for k in ("r1", "r3"))
    assert r1.score == Decimal("92.40") and r1.level == "good" and r1.rater_count == 1
    assert r3.score == Decimal("67.00") and r3.level == "average"
    round_ = ReviewRound.objects.get(pk=setup["round"].pk)
    assert round_.status == RoundStatus.PUBLISHED
    assert round_.opened_by == setup["zzb"] and round_.published_at is not None
    # The contract with the rectification app.
    assert list(selectors.published_problems(setup["zzb"])) == [problem]
    assert list(selectors.published_problems(setup["sj3"])) == [problem]
    assert list(selectors.published_problems(setup["sj1"])) == []
    assert selectors.problem_label(problem).startswith("2026年度书记述职评议")
    assert problem.round.year == 2026 and problem.org == r3.org and problem.created_at


def test_problems_unpublished_are_not_in_the_contract(setup):
    _to_rating(setup)
    review.rate(actor=setup["dw"], reporter=setup["r3"], scores=WEAK)
    review.add_problem(actor=setup["zzb"], reporter=setup["r3"], text="党员教育管理不到位")
    assert not selectors.published_problems(setup["zzb"]).exists()


def test_permissions(setup, world):
    outsider = grant(world, "out", Role.ORG_DEPT, "other_party")
    with pytest.raises(PermissionDenied):
        review.create_round(actor=outsider, org=world["party"], year=2025, report_due=dt.date(2025, 12, 20))
    with pytest.raises(PermissionDenied):
        review.open_round(actor=setup["sj1"], round_=setup["round"])
    with pytest.raises(ServiceError):  # a branch cannot organize a round
        review.create_round(actor=setup["sj1"], org=world["b1"], year=2026, report_due=dt.date(2026, 12, 20))
    review.open_round(actor=setup["zzb"], round_=setup["round"])
    with pytest.raises(PermissionDenied):  # another branch's secretary
        review.submit_report(actor=setup["sj3"], reporter=setup["r1"], summary=SUMMARY)
    review.submit_report(actor=setup["sj1"], reporter=setup["r1"], summary=SUMMARY)
    review.start_rating(actor=setup["zzb"], round_=setup["round"])
    with pytest.raises(PermissionDenied):  # not a rater
        review.rate(actor=setup["sj3"], reporter=setup["r1"], scores=GOOD)
    rater = review.assign_rater(
        actor=setup["zzb"], round_=setup["round"], user=setup["sj1"], capacity="党代表"
    )
    with pytest.raises(PermissionDenied):  # one's own report
        review.rate(actor=setup["sj1"], reporter=setup["r1"], scores=GOOD)
    assert review.rate(actor=setup["sj1"], reporter=setup["r3"], scores=GOOD).rater == rater
    with pytest.raises(ServiceError) as error:
        review.rate(actor=setup["dw"], reporter=setup["r1"], scores={**GOOD, "members": 101})
    assert error.value.field == "score_members"


def test_report_rules(setup):
    review.open_round(actor=setup["zzb"], round_=setup["round"])
    with pytest.raises(ServiceError) as error:
        review.submit_report(actor=setup["sj1"], reporter=setup["r1"], summary="太短")
    assert error.value.field == "summary"
    bad = SimpleUploadedFile("a.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    with pytest.raises(ServiceError) as error:
        review.submit_report(actor=setup["sj1"], reporter=setup["r1"], summary=SUMMARY, upload=bad)
    assert error.value.field == "report_file"
    pdf = SimpleUploadedFile("述职报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    reporter = review.submit_report(actor=setup["sj1"], reporter=setup["r1"], summary=SUMMARY, upload=pdf)
    assert reporter.report_name == "述职报告.pdf" and reporter.report_file


def test_closed_round_is_immutable(setup):
    _published(setup)
    s = setup
    with pytest.raises(StateConflict):
        review.rate(actor=s["dw"], reporter=s["r1"], scores=WEAK)
    with pytest.raises(StateConflict):
        review.submit_report(actor=s["sj1"], reporter=s["r1"], summary=SUMMARY)
    with pytest.raises(StateConflict):
        review.withdraw_reporter(actor=s["zzb"], reporter=s["r1"], reason="调整")
    with pytest.raises(StateConflict):
        review.add_problem(actor=s["zzb"], reporter=s["r1"], text="新问题")
    with pytest.raises(StateConflict):
        review.withdraw_problem(actor=s["zzb"], problem=ReviewProblem.objects.get(), reason="误录")
    with pytest.raises(StateConflict):
        review.close_round(actor=s["zzb"], round_=s["round"])


def test_scope(setup, world):
    _published(setup)
    outsider = grant(world, "out2", Role.BRANCH_SECRETARY, "b3")
    far = grant(world, "far", Role.ORG_DEPT, "other_party")
    assert ReviewRound.objects.visible_to(far).count() == 0
    assert ReviewReporter.objects.visible_to(far).count() == 0
    assert ReviewProblem.objects.visible_to(far).count() == 0
    # A reporting branch sees the round and its own reporter row, not the other branch's.
    assert ReviewRound.objects.visible_to(setup["sj1"]).count() == 1
    assert set(ReviewReporter.objects.visible_to(setup["sj1"])) == {setup["r1"]}
    assert set(ReviewReporter.objects.visible_to(outsider)) == {setup["r3"]}
    # Sheets: the rater and the organizer only; never the reporter.
    assert ReviewRound.objects.visible_to(setup["dw"]).count() == 1
    from party.duty_review.models import ReviewSheet

    assert ReviewSheet.objects.visible_to(setup["dw"]).count() == 2
    assert ReviewSheet.objects.visible_to(setup["sj1"]).count() == 0
    assert ReviewSheet.objects.visible_to(setup["zzb"]).count() == 2


def test_low_level_is_a_finding(setup, world):
    _published(setup)
    findings = check(world["party"])
    codes = {(f.rule, f.org_id) for f in findings}
    assert ("duty_review.average", world["b3"].pk) in codes
    assert not any(f.rule.startswith("duty_review") and f.org_id == world["b1"].pk for f in findings)


def test_pages(client, setup, world):
    s = setup
    _to_rating(s)
    client.force_login(s["zzb"])
    assert client.get(reverse("party:duty_review")).status_code == 200
    page = client.get(reverse("party:duty_review_round", args=[s["round"].pk])).content.decode()
    assert "结束评议并计算结果" in page and world["b3"].name in page
    client.force_login(s["dw"])
    url = reverse("party:duty_review_sheet", args=[s["r1"].pk])
    assert client.get(url).status_code == 200
    data = {f"score_{k}": v for k, v in GOOD.items()} | {"comment": "好"}
    assert client.post(url, data).status_code == 302
    client.force_login(s["sj3"])
    assert client.get(url).status_code == 404  # not a rater; and not their reporter
    assert client.get(reverse("party:duty_review_report", args=[s["r1"].pk])).status_code == 404
    assert client.get(reverse("party:duty_review_report", args=[s["r3"].pk])).status_code == 200
    client.force_login(s["zzb"])
    response = client.post(reverse("party:duty_review_action", args=[s["round"].pk]), {"action": "close"})
    assert response.status_code == 302
    assert ReviewRound.objects.get(pk=s["round"].pk).status == RoundStatus.CLOSED
    far = grant(world, "far2", Role.ORG_DEPT, "other_party")
    client.force_login(far)
    assert client.get(reverse("party:duty_review_round", args=[s["round"].pk])).status_code == 404


def test_secretary_submits_on_the_page(client, setup):
    review.open_round(actor=setup["zzb"], round_=setup["round"])
    client.force_login(setup["sj1"])
    url = reverse("party:duty_review_report", args=[setup["r1"].pk])
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    response = client.post(url, {"summary": SUMMARY, "report_file": pdf, "reported_on": ""})
    assert response.status_code == 302
    reporter = ReviewReporter.objects.get(pk=setup["r1"].pk)
    assert reporter.submitted
    from core.media import media_url

    url = media_url(reporter.report_file)
    assert client.get(url).status_code == 200
    client.force_login(setup["sj3"])  # another branch
    assert client.get(url).status_code == 404
    client.force_login(setup["zzb"])
    assert client.get(url).status_code == 200


def test_excel_ledger(client, setup):
    _published(setup)
    client.force_login(setup["zzb"])
    response = client.get(reverse("party:duty_review_export", args=[setup["round"].pk]))
    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in values if r and r[0] == "序号")
    assert header[:4] == ["序号", "党组织", "书记", "述职时间"] and header[-4:] == [
        "综合得分",
        "等次",
        "评议人数",
        "主要问题",
    ]
    rows = [r for r in values if isinstance(r[0], int)]
    assert len(rows) == 2
    weak = next(r for r in rows if r[-3] == "一般")
    assert weak[-4] == 67.0 and "三会一课" in weak[-1]


def test_system_actor_rates_with_a_rater(setup):
    _to_rating(setup)
    rater = setup["round"].raters.get()
    sheet = review.rate(actor=SYSTEM, reporter=setup["r3"], scores=WEAK, rater=rater)
    assert sheet.scores["three_one"] == "60.0"


def test_api(setup, world):
    from tests.api.conftest import client_for

    _to_rating(setup)
    base = "/api/v1/party/duty-review"
    rater = client_for(setup["dw"])

    def body(scores, **extra):
        return {"scores": [{"code": k, "score": v} for k, v in scores.items()], **extra}

    response = rater.post(f"{base}/reporters/{setup['r1'].pk}/sheet", body(GOOD, comment="好"))
    assert response.status_code == 200, response.content
    assert response.json()["scores"]["first_duty"] == "95.0"
    response = rater.post(f"{base}/reporters/{setup['r3'].pk}/sheet", body({**GOOD, "problems": 120}))
    assert response.status_code == 422
    response = rater.post(f"{base}/reporters/{setup['r3'].pk}/sheet", body({**GOOD, "extra": 80}))
    assert response.status_code == 422 and response.json()["field"] == "scores"
    secretary = client_for(setup["sj3"])
    assert secretary.post(f"{base}/reporters/{setup['r3'].pk}/sheet", body(GOOD)).status_code == 403
    assert secretary.post(f"{base}/reporters/{setup['r1'].pk}/sheet", body(GOOD)).status_code == 404
    review.rate(actor=setup["dw"], reporter=setup["r3"], scores=WEAK)
    review.close_round(actor=setup["zzb"], round_=setup["round"])
    review.add_problem(actor=setup["zzb"], reporter=setup["r3"], text="党员发展质量不高")
    assert secretary.get(f"{base}/problems").json() == []
    detail = secretary.get(f"{base}/rounds/{setup['round'].pk}").json()
    assert [r["level"] for r in detail["reporters"]] == [""]  # closed, not yet published
    review.publish_round(actor=setup["zzb"], round_=setup["round"])
    detail = secretary.get(f"{base}/rounds/{setup['round'].pk}").json()
    assert [r["level"] for r in detail["reporters"]] == ["average"]
    assert [p["text"] for p in secretary.get(f"{base}/problems").json()] == ["党员发展质量不高"]
    far = client_for(grant(world, "far3", Role.ORG_DEPT, "other_party"))
    assert far.get(f"{base}/rounds").json() == []
    assert far.get(f"{base}/rounds/{setup['round'].pk}").status_code == 404


def test_home_sections(setup):
    from party.home import duty_review_todo

    review.open_round(actor=setup["zzb"], round_=setup["round"])
    section = duty_review_todo(setup["sj1"])
    assert section is not None and "述职报告待提交" in section.items[0].text
    review.submit_report(actor=setup["sj1"], reporter=setup["r1"], summary=SUMMARY)
    assert duty_review_todo(setup["sj1"]) is None
    review.start_rating(actor=setup["zzb"], round_=setup["round"])
    assert "待评议 2 名" in duty_review_todo(setup["dw"]).items[0].text
    assert duty_review_todo(setup["sj3"]) is None  # rating: nothing to submit any more
