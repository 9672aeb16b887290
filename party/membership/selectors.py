"""Reads of the membership sub-domain, scoped to the user."""

import datetime as dt

from django.shortcuts import get_object_or_404

from orgs.models import Org, Position
from orgs.scoping import subtree_q
from party.membership.models import Member, MemberStatus, Transfer, TransferState
from party.scope import party_orgs


def branch_member(user, pk, action="view") -> Member:
    """A member the user may see, of an organization whose records the user may act on (404
    otherwise): the member pages and the dues API."""
    member = get_object_or_404(Member.objects.visible_to(user, action).select_related("person", "org"), pk=pk)
    get_object_or_404(party_orgs(user, action), pk=member.org_id)
    return member


def branch_of(org: Org) -> Org:
    """The branch a party group belongs to; other orgs are their own."""
    if org.kind == "group":
        return Org.objects.get_parent(org)
    return org


def member_pool(org: Org):
    """Members in good standing of the org: the branch's own members, or everyone under a
    general branch / committee. Groups use their branch's members."""
    base = branch_of(org)
    return Member.objects.filter(subtree_q("org_path", base.path), status=MemberStatus.NORMAL)


def leaving_committee(branch: Org, day: dt.date) -> list[tuple[str, Transfer]]:
    """Pending transfers out (组织关系转出, 待接收) of members who hold a committee post of
    ``branch`` on ``day`` — the secretary's own above all: the branch page flags them, since the
    branch is about to lose its secretary or committee member. (post label, transfer) pairs."""
    posts = {
        p.person_id: p.get_kind_display()
        for p in Position.objects.current(day).filter(
            org=branch, kind__in=("secretary", "deputy_secretary", "committee_member")
        )
    }
    if not posts:
        return []
    rows = (
        Transfer.objects.filter(member__org=branch, state=TransferState.PENDING, member__person_id__in=posts)
        .select_related("member__person")
        .order_by("sent_on")
    )
    return [(posts[t.member.person_id], t) for t in rows]
