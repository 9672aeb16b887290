from django.db import migrations


def seed(apps, schema_editor):
    from party.terms.defaults import seed_term_defaults

    seed_term_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0013_joint_branches_brands_alliances")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
