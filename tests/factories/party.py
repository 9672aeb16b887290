"""Factories of party work: members, meetings and what hangs off them, 发展党员, terms and cadres,
dues, care, talks, structure. A row's ``org`` is the party branch its member or meeting belongs to;
a member lives in the community that hosts the branch."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from party.models import (
    AllianceLink,
    Applicant,
    Appointment,
    Appraisal,
    ApprovalAuthority,
    Attendance,
    BrandDesignation,
    CareVisit,
    Commendation,
    DevelopmentPlan,
    DevelopmentStep,
    Discipline,
    DuesBase,
    DuesPayment,
    DuesReduction,
    FindingsSnapshot,
    FloatingRecord,
    JointBranchUnit,
    LeadingCadre,
    Meeting,
    MeetingAttachment,
    MeetingRevision,
    Member,
    MemberStatusPeriod,
    MemberYear,
    MinutesBand,
    MinutesMatch,
    MinutesSignature,
    Resolution,
    RuleParameter,
    StepDocument,
    StepSubmission,
    SubmissionDocument,
    Talk,
    Term,
    TrainingRecord,
    Transfer,
)

from .orgs import BranchFactory, CommunityFactory, PartyCommitteeFactory, PersonFactory

ORG_PATH = factory.LazyAttribute(lambda o: o.org.path)


class _Scoped(factory.django.DjangoModelFactory):
    """``org_path`` follows ``org`` already on build (``full_clean`` checks it before any save)."""

    class Meta:
        abstract = True

    org_path = ORG_PATH


def _home_of(o):
    """Where a new member's person lives: the community hosting the member's branch."""
    branch = o.factory_parent.org
    return branch.host or branch


class MemberFactory(_Scoped):
    class Meta:
        model = Member

    org = factory.SubFactory(BranchFactory)
    person = factory.SubFactory(PersonFactory, org=factory.LazyAttribute(_home_of))
    category = "formal"
    joined_on = dt.date(2010, 7, 1)
    full_member_on = dt.date(2011, 7, 1)


class _OfMember(_Scoped):
    """A row about one member, kept at the member's branch."""

    class Meta:
        abstract = True

    member = factory.SubFactory(MemberFactory)
    org = factory.SelfAttribute("member.org")


class RuleParameterFactory(factory.django.DjangoModelFactory):
    """A rule parameter; national (no org) unless ``org`` is given (a local rule)."""

    class Meta:
        model = RuleParameter

    code = factory.Sequence(lambda n: f"test.param_{n}")
    name = "测试参数"
    value = "3"
    value_type = "int"
    source = "测试:地方规定"
    confidence = "C"
    effective_from = dt.date(2026, 1, 1)


# -- organization life ----------------------------------------------------------------------------


class MeetingFactory(_Scoped):
    class Meta:
        model = Meeting

    org = factory.SubFactory(BranchFactory)
    kind = "branch_assembly"
    held_on = dt.date(2026, 10, 15)
    place = "党员活动室"
    topic = "学习贯彻党的二十届四中全会精神"


class _OfMeeting(_Scoped):
    class Meta:
        abstract = True

    meeting = factory.SubFactory(MeetingFactory)
    org = factory.SelfAttribute("meeting.org")


class AttendanceFactory(_OfMeeting):
    class Meta:
        model = Attendance

    member = factory.SubFactory(MemberFactory, org=factory.SelfAttribute("..meeting.org"))
    status = "present"
    held_on = factory.SelfAttribute("meeting.held_on")


class MemberYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberYear

    member = factory.SubFactory(MemberFactory)
    year = 2026


class ResolutionFactory(_OfMeeting):
    class Meta:
        model = Resolution

    kind = "major_matter"
    subject = "关于开展党员志愿服务活动的决定"
    eligible = 8
    present = 7
    yes = 7
    no = 0
    abstain = 0
    passed = True


class MeetingRevisionFactory(_OfMeeting):
    class Meta:
        model = MeetingRevision

    version = 1
    data = factory.LazyAttribute(lambda o: {"topic": o.meeting.topic})
    reason = "补记会议决定事项"


class MeetingAttachmentFactory(_OfMeeting):
    class Meta:
        model = MeetingAttachment

    kind = "photo"
    file = "party/meetings/photo.jpg"
    name = "会议现场.jpg"
    size = 2048


class MinutesBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutesBand

    meeting = factory.SubFactory(MeetingFactory)
    band = 0
    key = factory.Sequence(lambda n: 1000 + n)


class MinutesSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutesSignature

    meeting = factory.SubFactory(MeetingFactory)
    values = b"\x00" * 16
    length = 120


class MinutesMatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MinutesMatch

    meeting = factory.SubFactory(MeetingFactory)
    other = factory.SubFactory(MeetingFactory, org=factory.SelfAttribute("..meeting.org"))
    similarity = 0.92


class TrainingRecordFactory(_OfMember):
    class Meta:
        model = TrainingRecord

    title = "党员网络培训"
    organizer = "区委组织部"
    started_on = dt.date(2026, 5, 10)
    hours = Decimal("4.0")


class AppraisalFactory(_OfMeeting):
    class Meta:
        model = Appraisal

    meeting = factory.SubFactory(MeetingFactory, kind="branch_assembly", topic="民主评议党员")
    member = factory.SubFactory(MemberFactory, org=factory.SelfAttribute("..meeting.org"))
    rating = "qualified"


# -- terms, appointments and cadres ---------------------------------------------------------------


class TermFactory(_Scoped):
    class Meta:
        model = Term

    org = factory.SubFactory(BranchFactory)
    started_on = dt.date(2024, 4, 1)
    ends_on = dt.date(2027, 4, 1)


class AppointmentFactory(_Scoped):
    class Meta:
        model = Appointment

    org = factory.SubFactory(BranchFactory)
    person = factory.SubFactory(PersonFactory, org=factory.LazyAttribute(_home_of))
    post = "secretary"
    elected_on = dt.date(2024, 4, 1)


class LeadingCadreFactory(_OfMember):
    class Meta:
        model = LeadingCadre

    team = factory.SubFactory(PartyCommitteeFactory)
    title = "区委常委"
    start_on = dt.date(2022, 1, 1)


# -- 发展党员 ----------------------------------------------------------------------------------------


class ApplicantFactory(_Scoped):
    class Meta:
        model = Applicant

    org = factory.SubFactory(BranchFactory)
    person = factory.SubFactory(
        PersonFactory, org=factory.LazyAttribute(_home_of), birth_date=dt.date(1998, 3, 1)
    )
    applied_on = dt.date(2025, 3, 1)


class DevelopmentStepFactory(_Scoped):
    class Meta:
        model = DevelopmentStep

    applicant = factory.SubFactory(ApplicantFactory)
    org = factory.SelfAttribute("applicant.org")
    number = 1
    done_on = factory.SelfAttribute("applicant.applied_on")
    body = factory.LazyAttribute(lambda o: o.applicant.person.name)
    rule_version = "2014"


class StepDocumentFactory(_Scoped):
    class Meta:
        model = StepDocument

    step = factory.SubFactory(DevelopmentStepFactory)
    org = factory.SelfAttribute("step.org")
    title = "入党申请书"
    file = "party/development/application.pdf"
    name = "入党申请书.pdf"
    size = 4096


class StepSubmissionFactory(_Scoped):
    class Meta:
        model = StepSubmission

    applicant = factory.SubFactory(ApplicantFactory)
    org = factory.SelfAttribute("applicant.org")
    committee = factory.LazyAttribute(lambda o: type(o.applicant.org).objects.get_parent(o.applicant.org))
    number = 8
    submitted_on = dt.date(2026, 12, 1)
    due_on = dt.date(2026, 12, 31)


class SubmissionDocumentFactory(_Scoped):
    class Meta:
        model = SubmissionDocument

    submission = factory.SubFactory(StepSubmissionFactory)
    org = factory.SelfAttribute("submission.org")
    title = "发展对象备案(审批)表"
    file = "party/submissions/form.pdf"
    name = "备案表.pdf"
    size = 4096


class ApprovalAuthorityFactory(_Scoped):
    class Meta:
        model = ApprovalAuthority

    org = factory.SubFactory(PartyCommitteeFactory)
    granted = True
    effective_from = dt.date(2020, 1, 1)
    basis = "区委组织部批复"


class DisciplineFactory(_OfMember):
    class Meta:
        model = Discipline

    kind = "warning"
    decided_on = dt.date(2024, 1, 1)


class DevelopmentPlanFactory(_Scoped):
    class Meta:
        model = DevelopmentPlan

    org = factory.SubFactory(PartyCommitteeFactory)
    year = 2026
    quota = 20


# -- membership and dues --------------------------------------------------------------------------


class TransferFactory(_OfMember):
    class Meta:
        model = Transfer

    kind = "outside"
    to_org_name = "中共长沙市开福区某社区支部委员会"
    reason = "工作调动"
    sent_on = dt.date(2026, 11, 2)


class FloatingRecordFactory(_OfMember):
    class Meta:
        model = FloatingRecord

    place = "广东省深圳市"
    since = dt.date(2025, 3, 1)
    contact = "13812345678"


class MemberStatusPeriodFactory(_OfMember):
    class Meta:
        model = MemberStatusPeriod

    kind = "infirm"
    reason = "年老体弱,行动不便,不能外出参加组织生活"
    start_on = dt.date(2026, 1, 1)
    end_on = None
    review_on = dt.date(2027, 1, 1)
    decision_note = "支委会研究同意"


class DuesBaseFactory(_OfMember):
    class Meta:
        model = DuesBase

    kind = "salary"
    monthly_due = Decimal("25.00")
    rate = Decimal("0.005")
    effective_month = dt.date(2026, 1, 1)


class DuesPaymentFactory(_OfMember):
    class Meta:
        model = DuesPayment

    month = dt.date(2026, 10, 1)
    amount = Decimal("25")
    paid_on = dt.date(2026, 10, 10)


class DuesReductionFactory(_OfMember):
    class Meta:
        model = DuesReduction

    first_month = dt.date(2026, 10, 1)
    last_month = dt.date(2026, 12, 1)
    monthly_amount = Decimal("0")
    reason = "illness"
    detail = "长期住院治疗,无固定收入"
    applied_on = dt.date(2026, 9, 20)
    studied_on = dt.date(2026, 9, 25)
    branch_opinion = "同意减免"


class CareVisitFactory(_OfMember):
    class Meta:
        model = CareVisit

    reason = "elderly"
    visited_on = dt.date(2026, 9, 15)
    visitors = "书记"


class CommendationFactory(_Scoped):
    class Meta:
        model = Commendation

    nominee_member = factory.SubFactory(MemberFactory)
    org = factory.SelfAttribute("nominee_member.org")
    category = "outstanding_member"
    year = 2026
    deeds = "带头参加社区志愿服务,帮助困难群众解决实际问题"


class FindingsSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FindingsSnapshot

    org = factory.SubFactory(BranchFactory)
    start = dt.date(2026, 7, 1)
    end = dt.date(2026, 9, 30)
    ref = dt.date(2026, 9, 30)
    version = "1"
    computed_at = factory.LazyFunction(timezone.now)
    seconds = 0.1
    count = 0
    score = Decimal("100.0")
    data = b""
    requested_at = factory.LazyFunction(timezone.now)


# -- structure ------------------------------------------------------------------------------------


class JointBranchUnitFactory(_Scoped):
    class Meta:
        model = JointBranchUnit

    org = factory.SubFactory(BranchFactory)
    unit = factory.SubFactory(CommunityFactory)
    joined_on = dt.date(2023, 6, 1)


class BrandDesignationFactory(_Scoped):
    class Meta:
        model = BrandDesignation

    org = factory.SubFactory(BranchFactory)
    title = "五星党支部"
    citation = "组织生活规范,服务群众成效突出"
    designated_on = dt.date(2025, 7, 1)
    designated_by = factory.SubFactory(PartyCommitteeFactory)


class AllianceLinkFactory(_Scoped):
    class Meta:
        model = AllianceLink

    org = factory.SubFactory(BranchFactory)
    partner = factory.SubFactory(CommunityFactory)
    partner_kind = "grid"
    alliance = "红色物业联盟"
    joined_on = dt.date(2024, 5, 1)


# -- talks ----------------------------------------------------------------------------------------


class TalkFactory(_Scoped):
    """A talk between two members of one branch."""

    class Meta:
        model = Talk

    org = factory.SubFactory(BranchFactory)
    held_on = dt.date(2026, 10, 16)
    initiator = factory.SubFactory(MemberFactory, org=factory.SelfAttribute("..org"))
    other = factory.SubFactory(MemberFactory, org=factory.SelfAttribute("..org"))
    summary = "谈思想谈工作,交流学习体会,提出改进意见"
