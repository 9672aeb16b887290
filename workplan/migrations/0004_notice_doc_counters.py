"""The work-plan notices' number series move to core's shared counter (core.DocNumberCounter).

Existing notices keep their numbers (督办〔2026〕3号). Their series continue in the shared counter
under the same unprefixed stems (督办, 通报), so a number already printed is never issued again;
offices that get a 发文代字 (orgs.Org.doc_prefix) start their own series (岳督办〔2026〕1号).
"""

from django.db import migrations

WORDS = {"notice": "督办", "circular": "通报"}


def carry_over(apps, schema_editor):
    DocCounter = apps.get_model("workplan", "DocCounter")
    DocNumberCounter = apps.get_model("core", "DocNumberCounter")
    for row in DocCounter.objects.all():
        stem = WORDS.get(row.kind, "督查")
        counter, _ = DocNumberCounter.objects.get_or_create(stem=stem, year=row.year, defaults={"last": 0})
        if row.last > counter.last:
            counter.last = row.last
            counter.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = [
        ("workplan", "0003_file_index"),
        ("core", "0005_notice_doc_number_counter"),
    ]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
