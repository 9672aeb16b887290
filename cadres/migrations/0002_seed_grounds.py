"""Seed the grounds (依据) of adjustments and 问责 decisions (``cadres.defaults``)."""

from django.db import migrations


def seed(apps, schema_editor):
    from cadres.defaults import seed_grounds

    seed_grounds(apps.get_model("cadres", "Ground"))


class Migration(migrations.Migration):
    dependencies = [("cadres", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
