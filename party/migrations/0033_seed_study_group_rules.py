from django.db import migrations


def seed(apps, schema_editor):
    from party.study_group.defaults import seed_study_group_defaults

    seed_study_group_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0032_study_group")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
