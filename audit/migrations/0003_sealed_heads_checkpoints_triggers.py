"""Hash version 2, sealed chain heads, checkpoints, and the append-only triggers.

Existing events keep ``hash_version`` 1 (their original hash, which does not cover the labels):
re-hashing them would bless whatever they hold now. Existing heads are sealed with the audit key
only where they agree with their chain (the event at the head's count has the head's hash and no
event lies beyond it); a head that disagrees is sealed with ``flagged_seq`` set, so ``audit verify``
keeps reporting it instead of the upgrade hiding it.
"""

from django.db import migrations, models


def seal_existing_heads(apps, schema_editor):
    from audit import keys

    AuditHead = apps.get_model("audit", "AuditHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    heads = {(h.subject_type, h.subject_id): h for h in AuditHead.objects.using(schema_editor.connection.alias)}
    if not heads:
        return
    last_seq: dict = {}
    hash_at_head: dict = {}
    rows = (
        AuditEvent.objects.using(schema_editor.connection.alias)
        .values_list("subject_type", "subject_id", "seq", "hash")
        .iterator(chunk_size=10000)
    )
    for subject_type, subject_id, seq, digest in rows:
        key = (subject_type, subject_id)
        last_seq[key] = max(last_seq.get(key, 0), seq)
        head = heads.get(key)
        if head is not None and head.seq == seq:
            hash_at_head[key] = digest
    for key, head in heads.items():
        if last_seq.get(key) != head.seq or hash_at_head.get(key) != head.last_hash:
            head.flagged_seq = head.seq
        keys.seal_head(head)
    AuditHead.objects.using(schema_editor.connection.alias).bulk_update(
        list(heads.values()), ["flagged_seq", "key_id", "mac"], batch_size=2000
    )


def install_triggers(apps, schema_editor):
    from audit import guard

    guard.install(schema_editor.connection)


def uninstall_triggers(apps, schema_editor):
    from audit import guard

    guard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddField(
            model_name="audithead",
            name="flagged_seq",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="audithead",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddField(
            model_name="audithead",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveIntegerField(unique=True)),
                ("created_at", models.DateTimeField(verbose_name="时间")),
                ("chains", models.PositiveIntegerField(verbose_name="审计链数")),
                ("events", models.PositiveBigIntegerField(verbose_name="事件总数")),
                ("root", models.CharField(max_length=64)),
                ("counts", models.BinaryField()),
                ("counts_sha256", models.CharField(max_length=64)),
                ("prev_mac", models.CharField(blank=True, max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "审计检查点", "verbose_name_plural": "审计检查点", "ordering": ["seq"]},
        ),
        migrations.RunPython(seal_existing_heads, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
