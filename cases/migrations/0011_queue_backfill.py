"""Backfill the searchable phone hash (for the hotline caller lookup) and the callback outcome of
cases already rated. Works on SQLite and PostgreSQL: plain ORM reads in chunks."""

from django.db import migrations

CHUNK = 1000


def backfill(apps, schema_editor):
    from core import privacy

    Case = apps.get_model("cases", "Case")
    batch = []
    rows = (
        Case.objects.exclude(reporter_phone_encrypted="")
        .filter(reporter_phone_hash="")
        .only("pk", "reporter_phone_encrypted")
        .order_by("pk")
    )
    for case in rows.iterator(chunk_size=CHUNK):
        case.reporter_phone_hash = privacy.phone_index(privacy.decrypt(case.reporter_phone_encrypted))
        batch.append(case)
        if len(batch) >= CHUNK:
            Case.objects.bulk_update(batch, ["reporter_phone_hash"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["reporter_phone_hash"])
    Case.objects.filter(rated_at__isnull=False, callback_outcome="").update(callback_outcome="rated")


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_queue_desk")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
