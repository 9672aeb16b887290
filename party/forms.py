"""Forms of the party pages. They parse input only; the rules and their Chinese messages live in"""

from __future__ import annotations

from core.forms import MultipleFilesField, StyledForm


class UploadsField(MultipleFilesField):
    """Several files in one input; content, size and count are checked by the service."""


class PartyForm(StyledForm):
    """The party pages' forms: large controls, they are filled in on phones."""

    large = True
