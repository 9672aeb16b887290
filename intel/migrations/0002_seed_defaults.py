from django.db import migrations


def seed(apps, schema_editor):
    from intel.defaults import seed_defaults

    seed_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("intel", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
