"""The registry of typed audit event codes (``noun.past_verb``), each with a Chinese label.

Apps register their codes at import time (``register("org.created", "新建组织")``); ``record``
refuses an unregistered code, so every event in the log has a known meaning.
"""

_REGISTRY: dict[str, str] = {}


def register(code: str, label: str) -> str:
    existing = _REGISTRY.get(code)
    if existing is not None and existing != label:
        raise ValueError(f"audit event code {code!r} registered twice with different labels")
    _REGISTRY[code] = label
    return code


# Subject types (prefixes of ``subject_type``) whose events the audit log's scoped pages and admin
# never list, superusers included: an app that guards its own records more tightly than the org
# scope (``cadres``) shows their events on its own pages, after its own access check.
_RESTRICTED: set[str] = set()


def restrict_subjects(prefix: str) -> None:
    _RESTRICTED.add(prefix)


def restricted_prefixes() -> tuple[str, ...]:
    return tuple(sorted(_RESTRICTED))


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def label_for(code: str) -> str:
    return _REGISTRY.get(code, code)


def all_codes() -> dict[str, str]:
    return dict(sorted(_REGISTRY.items()))


# Generic codes used by the scoped admin and by imports.
ADMIN_CREATED = register("admin.created", "后台新建")
ADMIN_CHANGED = register("admin.changed", "后台修改")
IMPORT_APPLIED = register("import.applied", "批量导入")
PERSONAL_DATA_VIEWED = register("personal_data.viewed", "查看完整个人信息")
