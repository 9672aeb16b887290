"""述职评议 → 整改: the 转整改 action on a published round's 问题清单 (per organization, issuers
only), the prefilled form, the one-call service (a list, one problem and one item per review
problem), no second open problem for a review problem, permission and scope."""

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import ServiceError
from orgs.roles import Role
from party.duty_review import selectors as duty_review
from party.duty_review import services as review
from party.review_actions import for_problems
from rectify import services, sources
from rectify.models import Problem, ProblemList, RectifyItem, Source

from ..conftest import grant

pytestmark = pytest.mark.django_db

SUMMARY = "本年度履行抓基层党建第一责任人职责,落实三会一课制度。"
TEXTS = ["组织生活制度落实不严格", "发展党员工作计划性不强"]


def _round(rw, publish=True):
    """The 区委's 2026 round with b1 (two problems) and b3 (one) reporting."""
    rater = grant(rw, "rater", Role.PARTY_COMMITTEE, "w1")
    round_ = review.create_round(actor=SYSTEM, org=rw["party"], year=2026, report_due=dt.date(2026, 12, 20))
    add = review.add_reporter
    reporters = [add(actor=SYSTEM, round_=round_, org=rw[k], secretary_name="李书记") for k in ("b1", "b3")]
    rater = review.assign_rater(actor=SYSTEM, round_=round_, user=rater)
    review.open_round(actor=SYSTEM, round_=round_)
    for r in reporters:
        review.submit_report(actor=SYSTEM, reporter=r, summary=SUMMARY)
    review.start_rating(actor=SYSTEM, round_=round_)
    round_.refresh_from_db()
    for r in reporters:
        review.rate(actor=SYSTEM, reporter=r, rater=rater, scores={i["code"]: 75 for i in round_.items})
    review.close_round(actor=SYSTEM, round_=round_)
    for text in TEXTS:
        review.add_problem(actor=SYSTEM, reporter=reporters[0], text=text)
    review.add_problem(actor=SYSTEM, reporter=reporters[1], text="党费收缴不够及时")
    if publish:
        review.publish_round(actor=SYSTEM, round_=round_)
    round_.refresh_from_db()
    return round_


def _problems(rw, user=None, org="b1"):
    return list(duty_review.published_problems(user or rw.users["zzb"]).filter(org=rw[org]))


def _issue(rw, problems, actor=None, org="b1"):
    return services.from_review(
        actor=actor or rw.users["zzb"],
        issuer=rw["party"],
        org=rw[org],
        problems=problems,
        title="中共湖东社区支部委员会2026年度书记抓基层党建述职评议反馈问题",
        measure="对照问题逐项整改",
        deadline=dt.date(2027, 3, 1),
    )


def test_from_review_creates_the_list_with_one_problem_and_item_each(rw):
    _round(rw)
    problems = _problems(rw)
    plist = _issue(rw, problems)
    assert plist.source == Source.DUTY_REVIEW and plist.unit == rw["b1"] and plist.org == rw["party"]
    made = list(plist.problems.order_by("pk"))
    assert [p.text for p in made] == TEXTS
    assert [p.review_problem_id for p in made] == [p.pk for p in problems]
    items = RectifyItem.objects.filter(problem__problem_list=plist)
    assert items.count() == 2 and {i.unit for i in items} == {rw["b1"]}
    assert {i.task.deadline for i in items} == {dt.date(2027, 3, 1)}
    codes = list(AuditEvent.objects.filter(action__startswith="rectify.").values_list("action", flat=True))
    assert codes.count("rectify.list_created") == 1 and codes.count("rectify.problem_added") == 2
    assert codes.count("rectify.item_added") == 2


def test_a_review_problem_is_not_turned_into_two_open_problems(rw):
    _round(rw)
    problems = _problems(rw)
    _issue(rw, problems[:1])
    with pytest.raises(ServiceError, match="已转整改") as error:
        _issue(rw, problems)
    assert error.value.field == "problems"
    assert ProblemList.objects.count() == 1  # one transaction: the second list is not left behind
    _issue(rw, problems[1:])  # the other one may still go
    assert set(services.open_problems_for_review(p.pk for p in problems)) == {p.pk for p in problems}


def test_permission_and_scope(rw):
    _round(rw)
    problems = _problems(rw)
    for user in ("zzb_other", "shuji"):
        with pytest.raises(ServiceError):
            _issue(rw, problems, actor=rw.users[user])
    with pytest.raises(ServiceError, match="不是"):
        _issue(rw, _problems(rw, org="b3"))  # b3's problems are not b1's
    with pytest.raises(ServiceError, match="至少"):
        _issue(rw, [])
    assert not Problem.objects.exists()


def test_unpublished_problems_are_not_offered(rw):
    _round(rw, publish=False)
    assert _problems(rw) == []


def test_the_source_offers_published_problems(rw):
    _round(rw)
    offered = sources.get(Source.DUTY_REVIEW).problems(rw.users["zzb"])
    assert len(offered) == 3 and all(o.ref.startswith("review:") for o in offered)
    assert any("2026年度书记述职评议" in o.text for o in offered)
    assert sources.get(Source.DUTY_REVIEW).problems(rw.users["zzb_other"]) == []


def test_action_only_for_issuers_over_the_org(rw):
    round_ = _round(rw)
    [action] = for_problems(rw.users["zzb"], round_, rw["b1"])
    assert action.label == "转整改" and action.url.startswith(reverse("rectify:from_review"))
    assert for_problems(rw.users["zzb_other"], round_, rw["b1"]) == []
    assert for_problems(rw.users["shuji"], round_, rw["b1"]) == []
    plist = _issue(rw, _problems(rw))
    [done] = for_problems(rw.users["zzb"], round_, rw["b1"])
    assert done.label == "已转整改" and done.url == reverse("rectify:detail", args=[plist.pk])


def test_round_page_shows_the_button_to_issuers_only(client, rw):
    round_ = _round(rw)
    url = reverse("party:duty_review_round", args=[round_.pk])
    client.force_login(rw.users["zzb"])
    page = client.get(url).content.decode()
    assert page.count("review-action") == 2 and reverse("rectify:from_review") in page
    client.force_login(rw.users["shuji"])
    page = client.get(url)
    assert page.status_code == 200 and "review-action" not in page.content.decode()


def test_form_prefilled_then_submit_creates(client, rw):
    round_ = _round(rw)
    client.force_login(rw.users["zzb"])
    url = f"{reverse('rectify:from_review')}?round={round_.pk}&org={rw['b1'].pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    problems = _problems(rw)
    assert form.initial["problems"] == [p.pk for p in problems]
    assert form.initial["issuer"] == rw["party"].pk
    assert form.initial["title"] == "中共湖东社区支部委员会2026年度书记抓基层党建述职评议反馈问题"
    html = page.content.decode()
    assert all(t in html for t in TEXTS) and "党费收缴不够及时" not in html
    data = {
        "round": round_.pk,
        "org": rw["b1"].pk,
        "issuer": rw["party"].pk,
        "title": form.initial["title"],
        "feedback_on": "2026-12-07",
        "problems": [problems[0].pk],
        "measure": "对照问题逐项整改",
        "deadline": "2027-03-01",
    }
    done = client.post(reverse("rectify:from_review"), data)
    plist = ProblemList.objects.get()
    assert done.status_code == 302 and done.url == reverse("rectify:detail", args=[plist.pk])
    assert [p.text for p in plist.problems.all()] == TEXTS[:1]
    # Back on the form: the taken problem is listed with its list, the other still offered.
    again = client.get(url)
    assert again.context["form"].initial["problems"] == [problems[1].pk]
    assert "review-taken" in again.content.decode()


def test_form_out_of_scope_is_404(client, rw):
    round_ = _round(rw)
    url = f"{reverse('rectify:from_review')}?round={round_.pk}&org={rw['b1'].pk}"
    for user in ("zzb_other", "shuji"):
        client.force_login(rw.users[user])
        assert client.get(url).status_code == 404
    client.force_login(rw.users["zzb"])
    assert client.get(f"{reverse('rectify:from_review')}?round=x&org={rw['b1'].pk}").status_code == 404
