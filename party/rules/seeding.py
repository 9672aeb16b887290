"""Seeding the national rule rows (RuleParameter) that ``defaults`` and the sub-domains' ``*defaults``
modules declare: one writer, shared, so no defaults module imports another."""


def seed_rows(apps, rows) -> None:
    """Create the national rule rows that are missing (idempotent): each row is (code, name,
    value, value type, unit, source, source URL, confidence, confirmed, effective from)."""
    RuleParameter = apps.get_model("party", "RuleParameter")
    for code, name, value, value_type, unit, source, url, confidence, confirmed, effective in rows:
        RuleParameter.objects.get_or_create(
            code=code,
            org=None,
            effective_from=effective,
            defaults={
                "name": name,
                "value": value,
                "value_type": value_type,
                "unit": unit,
                "source": source,
                "source_url": url,
                "confidence": confidence,
                "confirmed": confirmed,
                "org_path": "",
            },
        )
