"""The kinds of meeting the organization-life rules judge."""

from party.life.models import MeetingKind

# Missing-meeting severity by kind: the members' meeting and the annual life meeting weigh most.
MISSING_SEVERITY = {
    MeetingKind.BRANCH_ASSEMBLY: "high",
    MeetingKind.LIFE_MEETING: "high",
    MeetingKind.GROUP: "low",
}
# 谈心谈话 is not a meeting to hold once a year any more: the talk log (party.talks.services) records each
# pair and ``talk.coverage_gap`` judges the year's coverage. Meetings of kind TALK recorded before
# stay as history and are not required.
BRANCH_PERIODIC = (
    MeetingKind.BRANCH_ASSEMBLY,
    MeetingKind.COMMITTEE,
    MeetingKind.LECTURE,
    MeetingKind.THEME_DAY,
    MeetingKind.LIFE_MEETING,
    MeetingKind.APPRAISAL,
)
BUNCH_KINDS = frozenset(
    {
        MeetingKind.BRANCH_ASSEMBLY,
        MeetingKind.COMMITTEE,
        MeetingKind.LECTURE,
        MeetingKind.THEME_DAY,
        MeetingKind.LIFE_MEETING,
    }
)
ATTENDANCE_KINDS = frozenset(
    {MeetingKind.BRANCH_ASSEMBLY, MeetingKind.LECTURE, MeetingKind.THEME_DAY, MeetingKind.LIFE_MEETING}
)
