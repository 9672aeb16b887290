"""A compliance finding and the severities."""

from __future__ import annotations

from dataclasses import dataclass, field

from party.compliance import registry

SEVERITY_LABELS = {"high": "严重", "medium": "一般", "low": "提示"}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class Finding:
    severity: str
    rule: str
    org_id: int
    org_name: str
    org_path: str
    reason: str
    evidence: list[str] = field(default_factory=list)
    action: str = ""
    source: str = ""
    period: str = ""
    meeting_ids: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return registry.get(self.rule).label

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    def line(self) -> str:
        return f"{self.severity_label}\t{self.rule}\t{self.org_name}\t{self.reason}"


def sort_key(finding: Finding) -> tuple:
    return (SEVERITY_ORDER[finding.severity], finding.org_path, finding.rule, finding.period)
