from django.db import migrations


def seed(apps, schema_editor):
    from cases.defaults import seed_defaults

    seed_defaults(apps)  # idempotent: adds the 吹哨报到 limits


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_approvals_whistle_merge_indexes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
