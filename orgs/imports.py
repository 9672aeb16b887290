"""Excel imports of the org tree and of people (being written; see the import helper's brief)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


IMPORTERS: dict = {}
