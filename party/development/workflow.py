"""The member-development (发展党员) workflow's transition table.

Each of steps 2–25 (``development_steps.STEPS``; step 1, the application, creates the applicant) is one
action, allowed while the process is open (培养考察中 or 预备党员) and only when it is the next
step; ``cancel`` (终止培养考察) is allowed while the applicant is still being cultivated. The
branch's staff act (``change`` on the branch); the step-specific authority checks (who approves,
who files) stay in ``development``. ``development.record_step``/``cancel_applicant`` refuse
through this table, the applicant page shows its forms from it and the API answers
``GET /party/development/applicants/{id}/actions`` from it (steps are recorded on the applicant
page: the API has no endpoint for them yet, so their ``endpoint`` is null).

Steps the higher 党委 decides: 4, 8, 13, 17 and 24 are offered to the branch's staff, who submit
them (``development.submit_step``; the 党委 records them), and to the 党委, who records them; step 16
only to the 党委 (``committee_may``).

(Kept flat next to ``party/development/services.py``; it moves with it to ``party/development/``.)
"""

from __future__ import annotations

from core.transitions import Workflow, transition
from orgs.models import Org
from orgs.scoping import can
from party.development import steps as development_steps
from party.development.models import Applicant, ApplicantStatus

# A step may be recorded while the process is open.
STEP_STATUSES = (ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY)
DENIED = "无权办理该支部的发展党员事项"


def is_next(applicant: Applicant, number: int) -> bool:
    """Steps run strictly in order: ``number`` is the step after the last completed one."""
    return number == applicant.step + 1


COMMITTEE_KINDS = ("party_committee", "working_committee")


def committee_may(actor, applicant: Applicant) -> bool:
    """Step 16 (上级党委派人谈话) is the higher 党委's own: its ``change`` role (or the 组织部's above
    it) is needed; the branch can neither record nor submit it."""
    if not can(actor, "change", applicant.org):
        return False
    committees = Org.objects.get_ancestors(applicant.org).filter(kind__in=COMMITTEE_KINDS)
    return any(can(actor, "change", org) for org in committees)


def _step(spec: development_steps.Step):
    return transition(
        spec.code,
        spec.label,
        STEP_STATUSES,
        permission=committee_may if spec.number == 16 else "change",
        refusal="发展程序{status},不能再登记步骤",
        denied=DENIED,
        when=lambda applicant: is_next(applicant, spec.number),
    )


DEVELOPMENT = Workflow(
    "member development",
    [
        *[_step(spec) for spec in development_steps.STEPS[1:]],
        transition(
            "cancel",
            "终止发展程序",
            [ApplicantStatus.ACTIVE],
            permission="change",
            refusal="只能终止培养考察中的发展程序(预备党员须经支部大会讨论)",
            denied=DENIED,
        ),
    ],
    role_check=can,
    url_args=lambda applicant: {"pk": applicant.pk},
)


def check_branch(actor, applicant: Applicant) -> None:
    """Every action of the table needs the branch's ``change`` role (one message for all)."""
    DEVELOPMENT.check_permission("cancel", applicant, actor)
