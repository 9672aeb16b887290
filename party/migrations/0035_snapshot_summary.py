from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("party", "0034_snapshot_marks"),
    ]

    operations = [
        migrations.AddField(
            model_name="findingssnapshot",
            name="summary",
            field=models.BinaryField(blank=True, null=True, verbose_name="看板摘要(压缩JSON)"),
        ),
    ]
