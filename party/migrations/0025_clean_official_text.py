"""Official pages carry no internal text (issue 20 items 3 and 5), for the rows written before:

* a vote step's body named the meeting by its record id ("支部党员大会(会议 #12)"): it names the
  meeting's date instead ("支部党员大会(2024-10-10 召开)");
* a time limit's label carried the rule version's confirmation note ("(2026年版(未经确认))"): the
  note goes (it stays in the audit trail and the staff help panels);
* a cancelled probationary member showed "已出党": the status is "取消预备党员资格";
* the stored next-step earliest day was the one-year cultivation date already at steps 4–6, and
  the probation's end already at steps 21–22: only step 7 and step 23 wait (``steps.WAITS``).
"""

import re

from django.db import migrations, models

MEETING_ID = re.compile(r"(会议 #(\d+))")


def forwards(apps, schema_editor):
    Step = apps.get_model("party", "DevelopmentStep")
    Meeting = apps.get_model("party", "Meeting")
    Applicant = apps.get_model("party", "Applicant")
    for step in Step.objects.filter(body__contains="会议 #").only("pk", "body"):
        match = MEETING_ID.search(step.body)
        if match is None:
            continue
        held_on = Meeting.objects.filter(pk=int(match.group(2))).values_list("held_on", flat=True).first()
        label = f"{held_on:%Y-%m-%d} 召开" if held_on else "会议"
        Step.objects.filter(pk=step.pk).update(body=step.body.replace(match.group(1), label))
    for applicant in Applicant.objects.filter(due_label__contains="(未经确认)").only("pk", "due_label"):
        Applicant.objects.filter(pk=applicant.pk).update(
            due_label=applicant.due_label.replace("(未经确认)", "")
        )
    Applicant.objects.filter(status__in=("active", "probationary"), step__in=(3, 4, 5, 20, 21)).update(
        earliest_on=None
    )
    Member = apps.get_model("party", "Member")
    cancelled = Applicant.objects.filter(status="cancelled", member__isnull=False).values("member_id")
    Member.objects.filter(pk__in=cancelled, status="removed").update(status="probation_cancelled")


class Migration(migrations.Migration):
    dependencies = [('party', '0024_file_index')]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="status",
            field=models.CharField(
                choices=[
                    ("normal", "正常"),
                    ("lost_contact", "失联"),
                    ("suspended", "停止党籍"),
                    ("transferred_out", "已转出"),
                    ("deceased", "已故"),
                    ("removed", "已出党"),
                    ("probation_cancelled", "取消预备党员资格"),
                ],
                default="normal",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
