"""What every party form shares: large controls (they are filled in on phones) and several files in
one input. Each sub-domain keeps its own forms (``party/<sub-domain>/forms.py``); forms parse input
only, the rules and their Chinese messages live in the services (``ServiceError.field`` names the
form fields)."""

from __future__ import annotations

from django import forms

from core.forms import MultipleFilesField, StyledForm


class UploadsField(MultipleFilesField):
    """Several files in one input; content, size and count are checked by the service."""


class PartyForm(StyledForm):
    """The party pages' forms: large controls, they are filled in on phones."""

    large = True


DATE = {"type": "date"}  # a date input: the phone's date picker


def date_field(label, required=True):
    """A date with the Chinese messages every party form uses."""
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


def text_field(label, required=False, max_length=200, rows=None):
    """A text (a textarea with ``rows``) with the Chinese messages every party form uses."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=widget,
        error_messages={"required": f"请填写{label}", "max_length": f"{label}不能超过{max_length}字"},
    )
