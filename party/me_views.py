"""我的党员信息 (``/party/me/``): the member's own phone page (``party.me``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from party import me


@login_required
def my_page(request):
    member = me.own_member(request.user)
    context = {"member": member, "mine": me.my_year(member) if member else None, "active_nav": "party_me"}
    return render(request, "party/me.html", context)
