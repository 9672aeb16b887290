from django.db import migrations


def seed(apps, schema_editor):
    """The rule row ``dues.base_grace_months`` (党费基数未核定的宽限月数, local, unconfirmed)."""
    from party.membership.defaults import seed_membership_defaults

    seed_membership_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0019_seed_talk_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
