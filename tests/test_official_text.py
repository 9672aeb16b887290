"""Official pages and printouts carry no internal text: no rule-source notes (``rules.md §…``,
"官方文本待核", "未经确认"), no rule codes (``dev.deviation``, ``member.lapse_flag`` — the list is
built from the compliance registry and the rule data), no database ids ("#1000").

The scan renders the user-facing pages of every app as the users who meet them (a branch
secretary, the organization department, a street dispatcher, a village's staff) over a small world
built from factories and services, and reads only the *visible* text: scripts, styles, attributes
and staff-only help panels (any element carrying ``data-help``, see ``templates/party/_sources.html``)
are skipped. The pages are the URL conf's own patterns (``party``, ``villages``, ``workplan``,
``cases``, ``orgs``, ``walks``): those without arguments are all fetched, those with an id get the record of
the world that fits them (``DETAIL``)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.actors import SYSTEM
from orgs.models import RoleGrant
from orgs.roles import Role
from party.compliance import registry
from party.rules.models import RuleParameter

from .conftest import grant
from .factories import CaseFactory, NoticeFactory, PlanFactory, TaskFactory, UserFactory, make_org
from .party.conftest import add_members, appoint

pytestmark = pytest.mark.django_db

FIXED_MARKERS = ("rules.md", "§", "官方文本待核", "未经确认", "据报道")
RECORD_NUMBER = re.compile(r"#\s?\d+")
VOID = {"br", "img", "input", "hr", "meta", "link", "source", "col", "wbr", "area", "base", "track", "embed"}


class _Visible(HTMLParser):
    """The text a reader sees: no script/style/template bodies, nothing inside ``data-help``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    @property
    def hidden(self) -> bool:
        return any(h for _, h in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        names = {k for k, _ in attrs}
        self.stack.append((tag, tag in ("script", "style", "template") or "data-help" in names))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def code_pattern() -> re.Pattern:
    """Rule codes: every registered compliance rule code and rule-data code, and any other word of
    the same ``prefix.snake_case`` shape under one of their prefixes."""
    codes = set(registry.catalogue()) | set(RuleParameter.objects.values_list("code", flat=True))
    prefixes = {c.split(".")[0] for c in codes if "." in c} | {"dev", "member", "org"}
    alternation = "|".join(sorted(map(re.escape, prefixes), key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternation})\.[a-z][a-z0-9_]*")


def markers(text: str, codes: re.Pattern) -> list[str]:
    found = [m for m in FIXED_MARKERS if m in text]
    found += [m.group(0) for m in RECORD_NUMBER.finditer(text)]
    found += [m.group(0) for m in codes.finditer(text)]
    return found


def test_scanner_finds_markers_and_skips_help_panels(seeded_world):
    codes = code_pattern()
    page = (
        "<p>依据(rules.md §2.16)<code>dev.deviation</code> 记录 #1000 member.lapse_flag</p>"
        '<script>var x = "rules.md";</script>'
        '<details data-help class="help-panel"><summary>依据</summary>rules.md §2 dev.rush</details>'
    )
    text = visible_text(page)
    assert sorted(markers(text, codes)) == sorted(
        ["rules.md", "§", "#1000", "dev.deviation", "member.lapse_flag"]
    )
    assert "dev.rush" not in text and "var x" not in text


# ---------------------------------------------------------------------------------------------
# The world


def seed_rule_data() -> None:
    """The rule data and configuration the scene's services need (a migrated database has them;
    the test database is flushed between transactional tests)."""
    from party.defaults import seed_defaults as seed_party
    from rectify.defaults import seed_defaults as seed_rectify
    from villages.defaults import seed_defaults as seed_villages
    from walks.defaults import seed_defaults as seed_walks

    seed_party()
    seed_villages()
    seed_rectify()
    seed_walks()


@pytest.fixture
def seeded_world(world):
    seed_rule_data()
    return world


@pytest.fixture
def scene(seeded_world):
    return build_scene(seeded_world)


def build_scene(w) -> dict:
    """A branch with members, applicants at several steps (one under the 2026 revision, one
    cancelled probationary member), findings, a village decision, a work-plan task and a case,
    and the users who meet them (``w``: the shared world, rule data seeded)."""
    from party.development import services as development_services
    from villages.models import StepKind

    from .party.test_development import apply, walk
    from .villages.test_villages import propose, through

    branch = make_org(w["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=w["c2"])
    members = add_members(branch, 8)
    appoint(members[0], branch, "secretary")
    appoint(members[1], branch, "committee_member")
    branch.members = members
    early = walk(apply(branch), branch, 3)
    middle = walk(apply(branch, name="申请人乙"), branch, 9)
    late = walk(
        apply(branch, name="申请人丙", day=dt.date(2026, 6, 1)),
        branch,
        3,
        dates={2: dt.date(2026, 6, 20), 3: dt.date(2026, 7, 1)},
    )
    cancelled = walk(apply(branch, name="申请人丁"), branch, 22)
    meeting = development_services.Vote
    from .party.test_development import assembly

    development_services.record_step(
        actor=SYSTEM,
        applicant=cancelled,
        number=23,
        done_on=dt.date(2025, 12, 1),
        vote=meeting(meeting=assembly(branch, dt.date(2025, 12, 1)), yes=8),
        outcome="cancel",
    )
    town = make_org(w["district"], "town", "莲花镇", code="430104100")
    village = make_org(town, "village", "桐木村", code="430104100201", households=420)
    make_org(w["party"], "branch", "中共桐木村支部委员会", host=village)
    decision = through(propose(village), 6)
    _ = StepKind
    task = TaskFactory(plan=PlanFactory(org=w["d1"]), lead_unit=w["d2"])
    notice = NoticeFactory(task=task)
    case = CaseFactory(grid=w["g1"])
    walk_record = _walk(w)

    from party.study_group import services as study

    from .factories import PersonFactory, PositionFactory

    lead = PersonFactory(name="甲书记", org=w["s1"])
    PositionFactory(person=lead, org=w["w1"], kind="secretary", start_on=dt.date(2021, 1, 1))
    study.import_leaders(actor=SYSTEM, org=w["w1"], day=dt.date(2026, 1, 2))
    study.save_plan(actor=SYSTEM, org=w["w1"], year=2026, topics=[(3, "学习全会精神", "collective")])
    study_session = study.record_session(
        actor=SYSTEM,
        org=w["w1"],
        held_on=dt.date(2026, 3, 5),
        topic="学习全会精神",
        kind="collective",
        host=lead,
        minutes=180,
        summary="原文学习并交流研讨",
        attendance=[study.Attendee(lead, "present")],
        speeches=[study.Speech(lead, "lead", "领学全会公报")],
    )
    rectify_item = _rectify_item(w, branch)

    shuji = grant(w, "scan_shuji", Role.BRANCH_SECRETARY, "w1")
    RoleGrant.objects.filter(user=shuji).update(org=branch, org_path=branch.path)
    users = {
        "shuji": shuji,
        "zuzhibu": grant(w, "scan_zzb", Role.ORG_DEPT, "party"),
        "dispatcher": grant(w, "scan_disp", Role.DISPATCHER, "s1"),
        "dudao": grant(w, "scan_dudao", Role.SUPERVISOR, "district"),
    }
    duty_review = _published_duty_review(w, branch)
    # 扫码签到 and the member's own view: a meeting with its sign-in code open, a member's account.
    from party.life import signin

    # Around the current moment: the browser screenshots run on the real clock, not the frozen one.
    starts_at = timezone.localtime() - dt.timedelta(minutes=20)
    today_meeting = assembly(branch, starts_at.date())
    signin.open_signin(
        actor=SYSTEM, meeting=today_meeting, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    dangyuan = UserFactory(username="scan_dangyuan")
    member_person = members[1].person
    member_person.user = dangyuan
    member_person.save(update_fields=["user"])
    signin.sign_in(actor=dangyuan, token=signin.token_for(today_meeting))
    users["dangyuan"] = dangyuan
    return {
        "duty_review": duty_review,
        "signin_meeting": today_meeting,
        "signin_token": signin.token_for(today_meeting),
        "branch": branch,
        "applicants": [early, middle, late, cancelled],
        "village": village,
        "decision": decision,
        "users": users,
        "members": members,
        "task": task,
        "notice": notice,
        "case": case,
        "study_session": study_session,
        "rectify_item": rectify_item,
        "walk": walk_record,
    }


def _published_duty_review(w, branch):
    """A published 述职评议 round of the 区委 with the branch reporting, its result and a problem."""
    from party.duty_review import services as review

    rater = grant(w, "scan_rater", Role.PARTY_COMMITTEE, "w1")
    round_ = review.create_round(actor=SYSTEM, org=w["party"], year=2026, report_due=dt.date(2026, 12, 20))
    reporter = review.add_reporter(actor=SYSTEM, round_=round_, org=branch)
    rater = review.assign_rater(actor=SYSTEM, round_=round_, user=rater)
    review.open_round(actor=SYSTEM, round_=round_)
    review.submit_report(
        actor=SYSTEM, reporter=reporter, summary="本年度履行抓基层党建第一责任人职责,落实三会一课制度。"
    )
    review.start_rating(actor=SYSTEM, round_=round_)
    round_.refresh_from_db()
    scores = {i["code"]: 75 for i in round_.items}
    review.rate(actor=SYSTEM, reporter=reporter, rater=rater, scores=scores)
    review.close_round(actor=SYSTEM, round_=round_)
    review.add_problem(actor=SYSTEM, reporter=reporter, text="组织生活制度落实不严格")
    review.publish_round(actor=SYSTEM, round_=round_)
    return reporter


def _rectify_item(w, branch):
    """A 巡察 problem list with one item of the branch (巡视巡察整改)."""
    from rectify import services as rectify

    plist = rectify.create_list(
        actor=SYSTEM,
        issuer=w["party"],
        unit=branch,
        title="区委第二巡察组反馈问题",
        source="xuncha",
        feedback_on=dt.date(2026, 11, 20),
        issuer_name="区委第二巡察组",
    )
    problem = rectify.add_problem(plist, actor=SYSTEM, text="“三会一课”流于形式")
    return rectify.add_item(problem, actor=SYSTEM, measure="按月召开支部委员会", unit=branch, deadline=None)


def _walk(w):
    """A recorded 走流程 with a problem not yet handed on (the page shows the hand-over forms)."""
    from walks import services as walk_services
    from walks.models import ChecklistItem, Leader

    from .factories import PersonFactory

    person = PersonFactory(name="何志远", org=w["d1"])
    leader = Leader.objects.create(person=person, org=w["d1"], title="局长")
    walk = walk_services.create_walk(
        actor=SYSTEM,
        leader=leader,
        service="办理不动产登记",
        place="区政务服务中心",
        as_whom="resident",
        walked_on=dt.date(2026, 12, 1),
    )
    walk_services.add_step(actor=SYSTEM, walk=walk, title="取号排队", minutes=30)
    answers = {i.pk: (True, "") for i in ChecklistItem.objects.filter(active=True)}
    walk_services.answer_checklist(actor=SYSTEM, walk=walk, answers=answers)
    walk_services.add_problem(actor=SYSTEM, walk=walk, description="窗口只开一个")
    return walk_services.record_walk(actor=SYSTEM, walk=walk)


def _patterns(namespace: str) -> list[URLPattern]:
    resolver = get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver) and item.namespace == namespace:
            return [p for p in item.url_patterns if isinstance(p, URLPattern)]
    return []


def _urls(scene) -> list[str]:
    """Every argument-free page of the scanned namespaces, and the detail pages of the scene."""
    urls = ["/"]
    for namespace in ("party", "villages", "workplan", "cases", "orgs", "rectify", "walks"):
        for p in _patterns(namespace):
            if not p.pattern.converters and p.name and "export" not in p.name and "template" not in p.name:
                urls.append(reverse(f"{namespace}:{p.name}"))
    branch, village, decision = scene["branch"], scene["village"], scene["decision"]
    for a in scene["applicants"]:
        urls += [
            reverse("party:development_applicant", args=[a.pk]),
            reverse("party:development_print", args=[a.pk]),
            reverse("party:development_print_form", args=[a.pk]),
        ]
    urls += [
        reverse("party:org", args=[branch.pk]),
        reverse("party:org", args=[branch.parent_id]) if hasattr(branch, "parent_id") else "/",
        reverse("party:development_board", args=[branch.pk]),
        reverse("party:talks", args=[branch.pk]),
        reverse("party:dues", args=[branch.pk]),
        reverse("party:member_dues", args=[scene["members"][0].pk]),
        reverse("party:meeting_new", args=[branch.pk]),
        reverse("party:meeting", args=[scene["signin_meeting"].pk]),
        reverse("party:meeting_signin_code", args=[scene["signin_meeting"].pk]),
        reverse("party:signin", args=[scene["signin_token"]]),
        reverse("party:development_approvals_print"),
        reverse("party:duty_review_round", args=[scene["duty_review"].round_id]),
        reverse("party:duty_review_report", args=[scene["duty_review"].pk]),
        reverse("party:duty_review_print", args=[scene["duty_review"].round_id]),
        reverse("rectify:from_review")
        + f"?round={scene['duty_review'].round_id}&org={scene['duty_review'].org_id}",
        reverse("villages:detail", args=[decision.pk]),
        reverse("villages:print", args=[decision.pk]),
        reverse("villages:public", args=[village.code]),
        reverse("orgs:detail", args=[branch.pk]),
        reverse("workplan:task", args=[scene["task"].pk]),
        reverse("workplan:plan", args=[scene["task"].plan_id]),
        reverse("workplan:notice", args=[scene["notice"].pk]),
        reverse("cases:detail", args=[scene["case"].number]),
        reverse("party:study_group_org", args=[scene["study_session"].org_id]),
        reverse("party:study_print", args=[scene["study_session"].org_id]),
        reverse("party:study_session", args=[scene["study_session"].pk]),
        reverse("party:coverage") + f"?org={scene['study_session'].org_id}",
        reverse("rectify:detail", args=[scene["rectify_item"].problem.problem_list_id]),
        reverse("rectify:item", args=[scene["rectify_item"].pk]),
        reverse("rectify:ledger", args=[scene["rectify_item"].problem.problem_list_id]),
        reverse("rectify:progress", args=[scene["rectify_item"].problem.problem_list_id]),
        reverse("walks:detail", args=[scene["walk"].pk]),
    ]
    return list(dict.fromkeys(urls))


def test_pages_and_printouts_carry_no_internal_text(client, scene):
    codes = code_pattern()
    problems: list[str] = []
    fetched = 0
    for who, user in scene["users"].items():
        client.force_login(user)
        for url in _urls(scene):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            fetched += 1
            text = visible_text(response.content.decode())
            for marker in sorted(set(markers(text, codes))):
                at = text.find(marker)
                problems.append(f"{who} {url}: {marker} in …{text[max(0, at - 40) : at + 40]}…")
    client.logout()
    response = client.get(reverse("villages:public", args=[scene["village"].code]))
    found = markers(visible_text(response.content.decode()), codes)
    if found:
        problems.append(f"public villages page: {sorted(set(found))}")
    problems += _workbook_problems(client, scene["users"]["zuzhibu"], codes)
    assert fetched > 40
    assert not problems, "\n".join(problems)


def _workbook_problems(client, user, codes) -> list[str]:
    """The findings workbook (问题清单) the organization department downloads: no rule codes or
    record ids; its 依据 column is the staff's source column (like the help panels) and skipped."""
    import io

    from openpyxl import load_workbook

    client.force_login(user)
    book = load_workbook(io.BytesIO(client.get(reverse("party:dashboard") + "?format=xlsx").content))
    problems = []
    for sheet in book:
        rows = list(sheet.values)
        header = list(rows[0]) if rows else []
        skip = header.index("依据") if "依据" in header else None
        for row in rows:
            text = " ".join(str(v) for i, v in enumerate(row) if v is not None and i != skip)
            for marker in sorted(set(markers(text, codes))):
                problems.append(f"workbook {sheet.title}: {marker} in {text[:80]}")
    return problems


def test_cadre_pages_carry_no_internal_text(client, world):
    """干部监督's pages as its holder sees them (the file opened with a purpose): no rule codes,
    record ids or source notes (the grounds' sources stay in the admin)."""
    from cadres import services as cadres
    from cadres.defaults import TO_CHECK, seed_grounds
    from cadres.models import Ground

    from .factories import PersonFactory

    seed_grounds(Ground)
    person = PersonFactory(name="甲干部", org=world["c1"])
    file = cadres.create_file(person, world["s1"], actor=SYSTEM, rank="正科级", post="街道办事处主任")
    levels = {f"{k}_level": "good" for k in ("political", "conduct", "integrity", "style")}
    data = {"held_on": dt.date(2026, 11, 1), "occasion": "annual", **levels, "life_circle": "无异常"}
    cadres.record_inspection(file, actor=SYSTEM, data=data)
    unsuitable = Ground.objects.get(code="nsnx.5.12")
    cadres.record_adjustment(
        file,
        actor=SYSTEM,
        kind="unsuitable",
        decided_on=dt.date(2026, 11, 2),
        ground=unsuitable,
        method="transfer",
        facts="品行问题",
    )
    cadres.record_accountability(
        actor=SYSTEM,
        file=file,
        form="admonish",
        ground=Ground.objects.get(code="wz.7.4"),
        decided_on=dt.date(2026, 11, 3),
        decided_by="区委",
        facts="形式主义",
    )
    cadres.record_accountability(
        actor=SYSTEM,
        org=world["w1"],
        form="check",
        ground=Ground.objects.get(code="wz.7.3"),
        decided_on=dt.date(2026, 11, 3),
        decided_by="区委",
        facts="软弱涣散",
    )
    client.force_login(grant(world, "scan_ganbu", Role.CADRE_SUPERVISOR, "district"))
    client.post(reverse("cadres:file_open", args=[file.pk]), {"purpose": "检查页面"})
    codes = code_pattern()
    urls = [reverse(f"cadres:{p.name}") for p in _patterns("cadres") if not p.pattern.converters]
    urls += [
        reverse(f"cadres:{name}", args=[file.pk])
        for name in ("file", "inspection_new", "adjustment_new", "accountability_new")
    ]
    problems, fetched = [], 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        fetched += 1
        text = visible_text(response.content.decode())
        found = sorted(set(markers(text, codes))) + ([TO_CHECK] if TO_CHECK in text else [])
        problems += [f"{url}: {marker}" for marker in found]
        if "/offhours/" not in url and "无异常" in text:
            problems.append(f"{url}: the 8小时以外 section shown without its purpose prompt")
    response = client.post(reverse("cadres:offhours", args=[file.pk]), {"purpose": "检查页面"})
    problems += [f"offhours: {m}" for m in markers(visible_text(response.content.decode()), codes)]
    assert fetched >= 6
    assert not problems, "\n".join(problems)
