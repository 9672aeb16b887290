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


class FastSelectMixin:
    """Renders the ``<select>`` in Python instead of one template per option: a list of a thousand
    units (a district's grids) took a third of a second per page through the widget templates.
    Same HTML as Django's ``select.html`` (attributes, optgroups, ``selected``)."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.forms.utils import flatatt
        from django.utils.html import conditional_escape, format_html
        from django.utils.safestring import mark_safe

        final = self.build_attrs(self.attrs, attrs)  # type: ignore[attr-defined]
        if self.allow_multiple_selected:  # type: ignore[attr-defined]
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}  # type: ignore[attr-defined]
        parts: list[str] = [format_html('<select name="{}"{}>', name, flatatt(final))]

        def option(option_value, label) -> str:
            text = "" if option_value is None else str(option_value)
            selected = " selected" if text in chosen else ""
            return (
                f'<option value="{conditional_escape(text)}"{selected}>{conditional_escape(label)}</option>'
            )

        for option_value, label in self.choices:  # type: ignore[attr-defined]
            if isinstance(label, list | tuple):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(option(v, lbl) for v, lbl in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 (every value escaped above)


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass
