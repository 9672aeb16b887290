"""Form plumbing shared by every app's pages: Bootstrap classes on widgets, ``is-invalid`` on
fields with errors, several files in one input, and ``attach`` to show a service's error next to
the field it names. Forms only parse input; rules and their messages live in the services."""

from __future__ import annotations

from django import forms
from django.core import validators
from django.forms.boundfield import BoundField

from .textguard import validate_text


class BootstrapBoundField(BoundField):
    """Marks an invalid field's widget with ``is-invalid`` so Bootstrap shows the message."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors:
            attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        return attrs


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFilesField(forms.FileField):
    """Several files in one input; the service checks content, size and count."""

    def __init__(self, *args, accept: str = "", **kwargs):
        attrs = {"multiple": True, **({"accept": accept} if accept else {})}
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def guard_text_fields(form: forms.BaseForm) -> None:
    """Every text field refuses control characters with a Chinese field error (``core.textguard``);
    Django's own NUL check goes, so one message is shown, not two."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField):
            field.validators = [
                v for v in field.validators if not isinstance(v, validators.ProhibitNullCharactersValidator)
            ]
            if validate_text not in field.validators:
                field.validators.append(validate_text)


CHECK_WIDGETS = (forms.RadioSelect, forms.CheckboxInput, forms.CheckboxSelectMultiple)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (``large`` for the phone-first pages) and ``attach`` for
    a ``ServiceError``: shown next to the field it names (through ``field_aliases``) or above."""

    bound_field_class = BootstrapBoundField
    large = False
    field_aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        size = "-lg" if self.large else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, CHECK_WIDGETS):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = f"form-select form-select{size}" if size else "form-select"
            else:
                css = f"form-control form-control{size}" if size else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        guard_text_fields(self)

    def attach(self, error) -> None:
        field = self.field_aliases.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)
