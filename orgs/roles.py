"""Roles (角色) granted at an org node, and the actions each role may perform in that subtree.

A role grant at a node covers the node and everything below it (like Wagtail's collection
permissions). Later apps add actions to roles here, in one place, so what a role may do is
readable at a glance.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    SUPERVISOR = "supervisor", "督查督办人员"
    ORG_DEPT = "org_dept", "组织部门干部"
    DISPATCHER = "dispatcher", "调度中心人员"
    DEPT_HANDLER = "dept_handler", "部门经办人"
    COMMUNITY_STAFF = "community_staff", "社区/村工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    BRANCH_SECRETARY = "branch_secretary", "党组织书记"
    PARTY_COMMITTEE = "party_committee", "基层党委/党工委"
    RESIDENT = "resident", "居民"
    PARTY_MEMBER = "party_member", "党员"
    CADRE_SUPERVISOR = "cadre_supervisor", "干部监督人员"


class Action(models.TextChoices):
    VIEW = "view", "查看"
    CHANGE = "change", "编辑"
    VIEW_PERSONAL = "view_personal", "查看完整个人信息"
    IMPORT = "import", "批量导入"
    GRANT = "grant", "授予角色"
    REPORT = "report", "上报/录入事项"
    DISPATCH = "dispatch", "受理、立案、派遣事项"
    HANDLE = "handle", "签收、处置、反馈事项"
    CHECK = "check", "核查事项"
    SUPERVISE = "supervise", "督查督办"
    CALLBACK = "callback", "回访(查看反映人联系方式)"
    HOTLINE = "hotline", "热线受理(按来电号码查询)"
    WORKPLAN_REPORT = "workplan_report", "报送督办任务进展"
    CADRE_SUPERVISE = "cadre_supervise", "干部监督(查阅、登记干部档案)"
    WALK = "walk", "记录领导干部走流程"


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            "view",
            "change",
            "view_personal",
            "import",
            "grant",
            "report",
            "dispatch",
            "handle",
            "check",
            "supervise",
            "callback",
        }
    ),
    Role.SUPERVISOR: frozenset({"view", "supervise"}),
    Role.ORG_DEPT: frozenset({"view", "change", "view_personal", "import", "grant"}),
    # Dispatch centres register and dispatch cases, enter hotline tickets and call reporters back.
    Role.DISPATCHER: frozenset({"view", "report", "dispatch", "check", "callback"}),
    Role.DEPT_HANDLER: frozenset({"view", "handle"}),
    Role.COMMUNITY_STAFF: frozenset({"view", "change", "report", "handle", "check"}),
    Role.GRID_WORKER: frozenset({"view", "report", "handle", "check"}),
    Role.BRANCH_SECRETARY: frozenset({"view", "change"}),
    # A 基层党委/党工委 (granted at the committee's party organization) keeps the party records of
    # its subtree: it files (备案), pre-reviews (预审) and approves (审批) what its branches submit.
    # No case actions: its grant covers party organizations only.
    Role.PARTY_COMMITTEE: frozenset({"view", "change", "view_personal"}),
    # A resident's grant records where they live; it gives no access to others' records.
    Role.RESIDENT: frozenset(),
}

# 党员 (members' own view, issue 21 part 7): the grant records the member's branch and gives no
# access to anyone else's records. What a member sees (``/party/me/``) and does (扫码签到) is
# reached through the account's own ``Person`` → ``Member`` link, never through the org tree.
ROLE_ACTIONS[Role.PARTY_MEMBER] = frozenset()

# 热线受理: dispatch centres answer the 12345 line and look a caller up by their number (every
# lookup audited). Only the roles that take calls; never the broad viewing roles.
for _role in (Role.ADMIN, Role.DISPATCHER):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"hotline"}

# Roles whose holders work in the office pages and the (scoped) Django admin.
STAFF_ROLES = frozenset(
    {Role.ADMIN, Role.SUPERVISOR, Role.ORG_DEPT, Role.DISPATCHER, Role.DEPT_HANDLER, Role.COMMUNITY_STAFF}
)


def roles_with(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


# 督查督办 (workplan): the units a key task is assigned to report its progress. Appended here rather
# than edited into the sets above so that each app's additions stay readable.
for _role in (Role.ADMIN, Role.DEPT_HANDLER, Role.DISPATCHER, Role.COMMUNITY_STAFF):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"workplan_report"}


# 干部监督 (cadres): the most sensitive records. Only the 干部监督人员 role allows it, granted
# explicitly at a node; no broader role (admin, org_dept) and not ``is_superuser`` —
# ``cadres.access`` reads the grants itself instead of ``core.scoping``, which lets superusers
# see everything. The role allows nothing else.
ROLE_ACTIONS[Role.CADRE_SUPERVISOR] = frozenset({"cadre_supervise"})

# 巡视巡察整改 (rectify): the issuing bodies (组织部, 督查室, admin) issue problem lists and 销号 their
# items (``rectify_issue``); the responsible units' staff report rectification progress with
# evidence (``rectify_report``). Separate actions so neither widens the work-plan permissions.
for _role in (Role.ADMIN, Role.SUPERVISOR, Role.ORG_DEPT):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"rectify_issue"}
for _role in (
    Role.ADMIN,
    Role.DEPT_HANDLER,
    Role.COMMUNITY_STAFF,
    Role.BRANCH_SECRETARY,
    Role.PARTY_COMMITTEE,
):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"rectify_report"}

# 领导干部走流程 (walks): the supervision office records walks on behalf of the leaders of its
# subtree and hands their problems on. A leader on the walk list (walks.Leader) records their own
# walks without any role (the list links the person); no new role is needed.
for _role in (Role.ADMIN, Role.SUPERVISOR):
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | {"walk"}
