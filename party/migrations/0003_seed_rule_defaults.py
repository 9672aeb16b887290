from django.db import migrations


def seed(apps, schema_editor):
    from party.defaults import seed_defaults

    seed_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0002_organization_life")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
