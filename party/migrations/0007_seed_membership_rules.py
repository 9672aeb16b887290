from django.db import migrations


def seed(apps, schema_editor):
    from party.membership.defaults import seed_membership_defaults

    seed_membership_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0006_membership_ledger")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
