"""What every party form shares: large controls (they are filled in on phones) and several files in
one input. Each sub-domain keeps its own forms (``party/<sub-domain>/forms.py``); forms parse input
only, the rules and their Chinese messages live in the services (``ServiceError.field`` names the
form fields)."""

from __future__ import annotations

from core.forms import MultipleFilesField, StyledForm


class UploadsField(MultipleFilesField):
    """Several files in one input; content, size and count are checked by the service."""


class PartyForm(StyledForm):
    """The party pages' forms: large controls, they are filled in on phones."""

    large = True
