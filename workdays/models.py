"""The working-day calendar's configuration (工作日历).

``CalendarOverride`` rows are the administrator's corrections to the calendar: a single date made a
holiday or a make-up working day (调休上班). They take precedence over the bundled
``chinesecalendar`` data and over the fallback rules (see ``workdays.calendar``).

``OfficialYear`` marks that an administrator has entered a year's official State Council holiday
schedule (国务院办公厅关于某年部分节假日安排的通知) as overrides, so that the year is no longer
computed by the fallback rules alone.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

WEEKDAYS = "一二三四五六日"

# The fallback rules (lunar dates, Qingming formula) are valid for these years only.
MIN_YEAR = 2000
MAX_YEAR = 2099


class CalendarOverride(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("节日名称", max_length=50, blank=True, help_text="例如:春节、国庆节")
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self):
        name = f" {self.name}" if self.name else ""
        return f"{self.date.isoformat()}(周{WEEKDAYS[self.date.weekday()]}){name} {self.get_kind_display()}"

    @property
    def is_workday(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class OfficialYear(models.Model):
    year = models.PositiveSmallIntegerField(
        "年度",
        unique=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text="该年度国务院公布的放假安排已全部录入“节假日调整”。",
    )
    confirmed_at = models.DateTimeField("确认时间", default=timezone.now, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("备注", max_length=200, blank=True, help_text="例如:国办发明电〔2026〕X号")

    class Meta:
        verbose_name = "已确认年度"
        verbose_name_plural = "已确认年度"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年放假安排"
