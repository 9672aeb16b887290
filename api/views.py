"""The token page (接口令牌): create (the secret is shown once), list and revoke one's own tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.forms import guard_text_fields

from . import services
from .models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="令牌名称",
        max_length=100,
        error_messages={"required": "请填写令牌名称", "max_length": "令牌名称不能超过100字"},
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "如:12345热线对接、数据大屏"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        guard_text_fields(self)


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = services.issue_token(
                    owner=request.user, name=form.cleaned_data["name"], actor=request.user
                )
            except ServiceError as error:
                form.add_error("name" if error.field in (None, "name") else None, error.message)
                status = 400
            else:
                created = {"token": token, "raw": raw}
                form = TokenForm()
        else:
            status = 400
    context = {
        "form": form,
        "created": created,
        "tokens": ApiToken.objects.visible_to(request.user).filter(owner=request.user),
        "docs_url": reverse("api:api-v1:openapi-view"),
        "active_nav": "api_tokens",
    }
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may show a secret
    return response


@login_required
@require_POST
def revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user).filter(owner=request.user), pk=pk)
    try:
        services.revoke_token(token, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已吊销令牌“{token.name}”")
    return redirect("api:tokens")
