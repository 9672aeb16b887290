from django.db import migrations


def seed(apps, schema_editor):
    from rectify.defaults import seed_defaults

    seed_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("rectify", "0001_initial"), ("party", "0003_seed_rule_defaults")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
