"""The 25 steps of member development (发展党员, 5 stages) as data: the standard 中组部 flow chart
(``shared/domain/rules.md`` §2.1, conf. A). Each step names the body that decides it, the documents
it produces and what the step form must collect. Services (``party.development.services``) enforce the
order and the rules; this module only describes.
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = {
    1: "入党申请",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}

# Deciding bodies (决定/办理主体)
APPLICANT = "applicant"
BRANCH_COMMITTEE = "branch_committee"
BRANCH_ASSEMBLY = "branch_assembly"
HIGHER_COMMITTEE = "higher_committee"
ORG_DEPARTMENT = "org_department"
BODIES = {
    APPLICANT: "申请人本人",
    BRANCH_COMMITTEE: "党支部(支委会)",
    BRANCH_ASSEMBLY: "支部党员大会",
    HIGHER_COMMITTEE: "上级党委(有审批权的基层党委)",
    ORG_DEPARTMENT: "县级党委组织部门",
}


@dataclass(frozen=True)
class Step:
    number: int
    stage: int
    code: str
    name: str
    body: str
    documents: tuple[str, ...]
    # What the step form collects beyond date, note and files.
    needs: tuple[str, ...] = ()

    @property
    def stage_name(self) -> str:
        return STAGES[self.stage]

    @property
    def body_label(self) -> str:
        return BODIES[self.body]

    @property
    def label(self) -> str:
        return f"第{self.number}步 {self.name}"


STEPS: tuple[Step, ...] = (
    Step(1, 1, "apply", "递交入党申请书", APPLICANT, ("入党申请书",)),
    Step(2, 1, "talk", "党组织派人谈话", BRANCH_COMMITTEE, ("谈话记录",), ("talker",)),
    Step(3, 2, "activist", "推荐和确定入党积极分子", BRANCH_COMMITTEE, ("推荐材料", "支委会会议记录")),
    Step(4, 2, "activist_filing", "上级党委备案", HIGHER_COMMITTEE, ("入党积极分子备案表",), ("org",)),
    Step(5, 2, "mentors", "指定培养联系人", BRANCH_COMMITTEE, ("培养联系人指定记录",), ("mentors",)),
    Step(6, 2, "cultivation", "培养教育考察", BRANCH_COMMITTEE, ("思想汇报", "考察记录(每半年)")),
    Step(7, 3, "candidate", "确定发展对象", BRANCH_COMMITTEE, ("支委会会议记录", "公示材料"), ("notice",)),
    Step(8, 3, "candidate_filing", "报上级党委备案", HIGHER_COMMITTEE, ("发展对象备案(审批)表",), ("org",)),
    Step(9, 3, "sponsors", "确定入党介绍人", BRANCH_COMMITTEE, ("入党介绍人确定记录",), ("sponsors",)),
    Step(10, 3, "review", "进行政治审查", BRANCH_COMMITTEE, ("政治审查综合报告",), ("review",)),
    Step(11, 3, "training", "开展集中培训", HIGHER_COMMITTEE, ("培训结业证明",), ("training",)),
    Step(12, 4, "committee_review", "支部委员会审查", BRANCH_COMMITTEE, ("支委会审查意见",)),
    Step(13, 4, "prereview", "上级党委预审", HIGHER_COMMITTEE, ("预审意见",), ("org",)),
    Step(14, 4, "form", "填写入党志愿书", APPLICANT, ("入党志愿书",)),
    Step(15, 4, "admission_vote", "支部大会讨论", BRANCH_ASSEMBLY, ("支部大会决议", "表决票"), ("vote",)),
    Step(16, 4, "higher_talk", "上级党委派人谈话", HIGHER_COMMITTEE, ("谈话意见",), ("org", "talker")),
    Step(17, 4, "approval", "上级党委审批", HIGHER_COMMITTEE, ("审批意见",), ("org",)),
    Step(18, 4, "approval_filing", "再上一级党委组织部门备案", ORG_DEPARTMENT, ("备案表",), ("org",)),
    Step(19, 5, "assign", "编入党支部和党小组", BRANCH_COMMITTEE, ()),
    Step(20, 5, "oath", "入党宣誓", HIGHER_COMMITTEE, ("宣誓记录",)),
    Step(21, 5, "probation_review", "继续教育考察", BRANCH_COMMITTEE, ("考察记录",)),
    Step(22, 5, "full_apply", "提出转正申请", APPLICANT, ("转正申请书",)),
    Step(23, 5, "full_vote", "支部大会讨论", BRANCH_ASSEMBLY, ("支部大会决议", "表决票"), ("vote",)),
    Step(24, 5, "full_approval", "上级党委审批", HIGHER_COMMITTEE, ("审批意见",), ("org",)),
    Step(25, 5, "archive", "材料归档", BRANCH_COMMITTEE, ("归档清单",), ("archive",)),
)
BY_NUMBER = {s.number: s for s in STEPS}

# Steps that must wait after an earlier one (the rule data names how long): step number → (the
# step whose date starts the wait, the rule parameter with the months). Every other step may
# follow the previous one at once — e.g. the 备案 of an activist (4), the mentors (5) and the
# cultivation (6) need no wait; only 确定发展对象 (7) needs a year of cultivation from the
# activist's confirmation (细则 第十三条). The full-membership vote (23) waits for the end of the
# probation, which an extension moves (``Applicant.probation_ends_on``), so it is not a fixed wait.
WAITS: dict[int, tuple[int, str]] = {7: (3, "dev.activist_months")}
AFTER_PROBATION = 23
BY_CODE = {s.code: s for s in STEPS}
LAST = STEPS[-1].number

# Documents that go into the personnel file at step 25 (细则 第六章; rules.md §2.22).
ARCHIVE_CHECKLIST = (
    "入党申请书",
    "入党志愿书",
    "政治审查材料",
    "培养考察材料",
    "转正申请书",
    "支部大会决议和上级党委审批意见",
)


def step(number: int) -> Step:
    return BY_NUMBER[number]
