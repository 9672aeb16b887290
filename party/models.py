"""The party app's models, one module per sub-domain (party/<sub-domain>/models.py).

Django and the migrations find them here; code imports them from their sub-domain.
"""

from party.development.models import (  # noqa: F401
    Applicant,
    ApplicantStatus,
    ApprovalAuthority,
    CheckResult,
    DevelopmentPlan,
    DevelopmentStep,
    Discipline,
    StepDocument,
    StepSubmission,
    SubmissionDocument,
)
from party.duty_review.models import (  # noqa: F401
    Level,
    ReviewProblem,
    ReviewRater,
    ReviewReporter,
    ReviewRound,
    ReviewSheet,
    RoundStatus,
)
from party.life.models import (  # noqa: F401
    DECIDING_KINDS,
    Appraisal,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingAttachment,
    MeetingDerivedQuerySet,
    MeetingKind,
    MeetingQuerySet,
    MeetingRevision,
    MemberYear,
    MinutesBand,
    MinutesMatch,
    MinutesSignature,
    Rating,
    Resolution,
    ResolutionKind,
    SignIn,
    SignInWindow,
    TrainingRecord,
    meeting_file_path,
)
from party.membership.models import (  # noqa: F401
    CareReason,
    CareVisit,
    Commendation,
    CommendationCategory,
    CommendationState,
    DuesBase,
    DuesKind,
    DuesPayment,
    DuesReduction,
    FloatingRecord,
    Member,
    MemberCategory,
    MemberQuerySet,
    MemberStatus,
    MemberStatusPeriod,
    ReductionReason,
    ReductionState,
    StatusKind,
    Transfer,
    TransferKind,
    TransferState,
)
from party.rules.models import (  # noqa: F401
    Confidence,
    Period,
    RuleParameter,
    RuleParameterQuerySet,
    ValueType,
)
from party.snapshots.models import (  # noqa: F401
    FindingsSnapshot,
)
from party.structure.models import (  # noqa: F401
    AllianceLink,
    AlliancePartner,
    BrandDesignation,
    JointBranchUnit,
)
from party.study_group.models import (  # noqa: F401
    GroupMember,
    GroupRole,
    PlanTopic,
    Presence,
    SessionAttendance,
    SessionKind,
    SessionSpeech,
    SpeechRole,
    StudyPlan,
    StudySession,
)
from party.talks.models import (  # noqa: F401
    Talk,
    TalkKind,
)
from party.terms.cadre_models import (  # noqa: F401
    LeadingCadre,
)
from party.terms.models import (  # noqa: F401
    Appointment,
    AppointmentPost,
    ApprovalState,
    Term,
)
