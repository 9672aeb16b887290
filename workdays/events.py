"""Audit event codes of the working-day calendar (registered at import)."""

from audit import events

OVERRIDE_CREATED = events.register("workdays.override_created", "新增节假日调整")
OVERRIDE_CHANGED = events.register("workdays.override_changed", "修改节假日调整")
OVERRIDE_DELETED = events.register("workdays.override_deleted", "删除节假日调整")
YEAR_CONFIRMED = events.register("workdays.year_confirmed", "确认年度放假安排已录入")
YEAR_CHANGED = events.register("workdays.year_changed", "修改年度放假安排确认")
YEAR_UNCONFIRMED = events.register("workdays.year_unconfirmed", "撤销年度放假安排确认")
