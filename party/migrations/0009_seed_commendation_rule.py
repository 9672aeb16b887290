from django.db import migrations


def seed(apps, schema_editor):
    from party.membership.defaults import seed_membership_defaults

    seed_membership_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0008_commendation")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
