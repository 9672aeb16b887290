"""Admin for background jobs: failed jobs (django-tasks-db's task results, with a requeue action),
worker heartbeats and periodic jobs (read only: the worker owns them)."""

from django.contrib import admin, messages
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import jobs
from .models import PeriodicJob, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """后台任务: filter by status 失败 to see failed jobs; 重新排队 runs them again."""

    list_display = (*DBTaskResultAdmin.list_display, "exception_class_path")  # type: ignore[assignment]  # one more column than the base tuple
    actions = ["requeue_failed"]

    def has_requeue_permission(self, request):
        return request.user.is_superuser

    @admin.action(description="重新排队(仅失败的任务)", permissions=["requeue"])
    def requeue_failed(self, request, queryset):
        ids = [str(pk) for pk in queryset.failed().values_list("pk", flat=True)]
        done = jobs.requeue(ids) if ids else []
        skipped = queryset.count() - len(done)
        self.message_user(
            request,
            f"已重新排队 {len(done)} 个任务" + (f",跳过 {skipped} 个未失败的任务" if skipped else ""),
            messages.SUCCESS if done else messages.WARNING,
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "backend", "started_at", "seen_at")
    ordering = ["-seen_at"]


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdmin):
    list_display = ("name", "next_run_at", "last_run_at", "last_task_id")
    ordering = ["name"]
