"""Meeting photos and files, and development documents, behind the media view (core/media.py):
the same scoping as the meeting page and the applicant page. Nothing here is public."""

from core.media import register_media
from party.development.models import Applicant, StepDocument, SubmissionDocument
from party.duty_review.models import ReviewReporter
from party.life.models import Meeting, MeetingAttachment


def can_view_meeting_file(user, attachment) -> bool:
    return Meeting.objects.visible_to(user).filter(pk=attachment.meeting_id).exists()


def can_view_step_document(user, document) -> bool:
    return Applicant.objects.visible_to(user, "view").filter(pk=document.step.applicant_id).exists()


def can_view_submission_document(user, document) -> bool:
    return Applicant.objects.visible_to(user, "view").filter(pk=document.submission.applicant_id).exists()


register_media(
    MeetingAttachment,
    "file",
    prefixes=("party/meetings/",),
    can_view=can_view_meeting_file,
    filename=lambda attachment: attachment.name,
)
register_media(
    StepDocument,
    "file",
    prefixes=("party/development/",),
    can_view=can_view_step_document,
    filename=lambda document: document.name,
    select_related=("step",),
)
register_media(
    SubmissionDocument,
    "file",
    prefixes=("party/submissions/",),
    can_view=can_view_submission_document,
    filename=lambda document: document.name,
    select_related=("submission",),
)


def can_view_duty_report(user, reporter) -> bool:
    """述职报告: the round's organizer, its raters and the reporting organization (the report page's rule)."""
    return ReviewReporter.objects.visible_to(user).filter(pk=reporter.pk).exists()


register_media(
    ReviewReporter,
    "report_file",
    prefixes=("party/duty_review/",),
    can_view=can_view_duty_report,
    filename=lambda reporter: reporter.report_name,
)
