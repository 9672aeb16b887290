from django.db import migrations


def seed(apps, schema_editor):
    from party.duty_review.defaults import seed_duty_review_defaults

    seed_duty_review_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0029_duty_review")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
