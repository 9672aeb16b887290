"""Stored findings of a large subtree (研判快照): what ``compliance.check`` found for one
organization and period, kept so that the district's and the street's dashboards read it instead of
recomputing every rule over thousands of branches on a page view. Derived data: ``party.snapshots.services``
rebuilds a row whenever the records it was computed from have changed, and prunes rows nobody
asked for in a while (they can always be recomputed); business records are never stored here."""

from django.db import models

from orgs.models import Org


class FindingsSnapshot(models.Model):
    org = models.ForeignKey(Org, verbose_name="党组织", on_delete=models.CASCADE, related_name="+")
    start = models.DateField("期间起")
    end = models.DateField("期间止")
    ref = models.DateField("状态截至")  # min(end, the day computed): a past period's stays valid
    version = models.CharField("数据版本", max_length=16)
    computed_at = models.DateTimeField("计算时间")
    seconds = models.FloatField("计算耗时(秒)")
    count = models.PositiveIntegerField("问题数")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True)
    data = models.BinaryField("问题清单(压缩JSON)")
    requested_at = models.DateTimeField("最近查看", db_index=True)
    refresh_requested_at = models.DateTimeField("已请求更新", null=True, blank=True)
    # What the findings were computed from (``party.snapshots.incremental.State``: the last audit
    # event, the organization tree and rule data, each branch's meetings and talks), so that the
    # next computation recomputes only the branches that changed since.
    marks = models.BinaryField("增量重算依据(压缩JSON)", null=True, blank=True)
    # What the dashboard shows, so that a visit does not decode every finding and score every
    # organization again (``party.snapshots.services.Summary``): each organization's score row,
    # the severity counts and the root's own findings. None on a row computed before it existed.
    summary = models.BinaryField("看板摘要(压缩JSON)", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "研判快照"
        constraints = [
            models.UniqueConstraint(fields=["org", "start", "end", "ref"], name="snapshot_one_per_period")
        ]

    def __str__(self):
        return f"{self.org} {self.start}–{self.end}(截至 {self.ref})"
