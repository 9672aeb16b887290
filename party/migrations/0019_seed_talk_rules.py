from django.db import migrations


def seed(apps, schema_editor):
    from party.talks.defaults import seed_talk_defaults

    seed_talk_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("party", "0018_talk_log")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
