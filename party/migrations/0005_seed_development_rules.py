from django.db import migrations


def seed(apps, schema_editor):
    from party.development.defaults import seed_development_defaults

    seed_development_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0004_development")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
