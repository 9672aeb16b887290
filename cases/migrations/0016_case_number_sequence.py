"""Tracking numbers from a sequence on PostgreSQL (no shared row lock per day): ``CaseCounter.base``
and the sequence ``cases_number_seq``. Days counted before keep going on from their ``last``."""

from django.db import migrations, models

SEQUENCE = "cases_number_seq"  # cases.models.NUMBER_SEQUENCE (a migration does not import models)


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint START 1")
    # A day counted by the old upsert continues after its last number: nextval (≥ 1) − (−last).
    CaseCounter = apps.get_model("cases", "CaseCounter")
    CaseCounter.objects.filter(base__isnull=True).update(base=-models.F("last"))


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Back to the upsert: a day numbered by the sequence goes on after any number it can have given.
    schema_editor.execute(
        f"UPDATE cases_casecounter SET last = GREATEST(last, (SELECT last_value FROM {SEQUENCE}) - base), "
        "base = NULL WHERE base IS NOT NULL"
    )
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_monthly_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="casecounter",
            name="base",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
