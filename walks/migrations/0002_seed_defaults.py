from django.db import migrations


def seed(apps, schema_editor):
    from walks.defaults import seed_defaults

    seed_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("walks", "0001_initial"), ("party", "0028_rules_changed_at")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
