"""Read queries of the 四议两公开 pages (staff: ``visible_to``; public: published items only, no
personal data)."""

from django.db.models import Q

from orgs.models import Org
from orgs.scoping import ALL, scope_paths, under_paths

from .models import Decision, DecisionPhoto, DecisionStep


def decisions(user, action="view"):
    return Decision.objects.visible_to(user, action).select_related("org")


def villages_for(user, action="change"):
    """Villages where the user may record decisions (own scope, or a party organization built there)."""
    from orgs.models import PARTY_KINDS

    paths = scope_paths(user, action)
    villages = Org.objects.filter(kind="village", archived_at__isnull=True)
    if paths is ALL:
        return villages
    hosted = Org.objects.filter(under_paths(paths, "path"), kind__in=PARTY_KINDS).values("host_id")
    return villages.filter(under_paths(paths, "path") | Q(pk__in=hosted))


def public_village(code: str) -> Org | None:
    return Org.objects.filter(kind="village", code=code, archived_at__isnull=True).first()


def public_items(village: Org):
    """Published decisions (决议已公开) with their live steps — counts only, no names."""
    items = list(Decision.objects.filter(org=village).published().order_by("-updated_at")[:50])
    steps: dict[int, list] = {}
    for step in (
        DecisionStep.objects.filter(decision__in=items, superseded_at__isnull=True)
        .only(
            "decision_id",
            "kind",
            "held_on",
            "body",
            "expected",
            "present",
            "yes",
            "no",
            "abstain",
            "passed",
            "villagers_body",
            "channel",
            "disclose_from",
            "disclose_to",
        )
        .order_by("held_on", "pk")
    ):
        steps.setdefault(step.decision_id, []).append(step)
    photos: dict[int, list] = {}
    for photo in (
        DecisionPhoto.objects.filter(decision__in=items, withdrawn_at__isnull=True)
        .only("decision_id", "stage", "file", "caption", "width", "height")
        .order_by("stage", "created_at", "pk")
    ):
        photos.setdefault(photo.decision_id, []).append(photo)
    return [(d, steps.get(d.pk, []), photos.get(d.pk, [])) for d in items]


def flagged(user, today):
    """The township list: visible decisions with deviations or overdue disclosures, each with its
    reasons (the same facts as the compliance findings, ``villages.compliance``)."""
    from .compliance import flagged_items

    visible = decisions(user)
    steps, overdue = flagged_items(visible, today)
    rows: dict[int, dict] = {}

    def row(d):
        return rows.setdefault(d.pk, {"d": d, "reasons": []})

    for d in overdue.select_related("org"):
        row(d)["reasons"].append(("overdue", f"应公开未公开:{d.due_label},期限 {d.due_on}"))
    for s in steps.select_related("decision__org"):
        for c in s.checks:
            if c["result"] == "deviation":
                row(s.decision)["reasons"].append(
                    ("deviation", f"{s.get_kind_display()}({s.held_on}):{c['message']}")
                )
    return sorted(rows.values(), key=lambda r: (r["d"].org.path, r["d"].due_on or today, r["d"].pk))
