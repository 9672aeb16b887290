from django.urls import path

from . import activity_views, views

app_name = "workplan"
urlpatterns = [
    path("", views.board, name="board"),
    path("export/", views.export, name="export"),
    path("mine/", views.workbench, name="workbench"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/import/", views.plan_import, name="plan_import"),
    path("plans/import/template/", views.import_template, name="import_template"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/tasks/", views.plan_add_task, name="plan_add_task"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/source/", views.plan_source, name="plan_source"),
    path("draft/", views.draft, name="draft"),
    path("activities/", activity_views.activity_lists, name="activity_lists"),
    path("activities/<int:pk>/", activity_views.activity_months, name="activity_months"),
    path("activities/<int:pk>/print/", activity_views.activity_print, name="activity_print"),
    path("activities/<int:pk>/export/", activity_views.activity_export, name="activity_export"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/report/", views.task_report, name="task_report"),
    path("tasks/<int:pk>/co-input/", views.task_co_input, name="task_co_input"),
    path("tasks/<int:pk>/verify/", views.task_verify, name="task_verify"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/notice/", views.task_notice, name="task_notice"),
    path("tasks/<int:pk>/change/", views.task_change, name="task_change"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/accountability/", views.task_accountability, name="task_accountability"),
    path(
        "tasks/<int:pk>/accountability/<int:item>/decide/",
        views.accountability_decide,
        name="accountability_decide",
    ),
    path("tasks/<int:pk>/milestones/", views.task_milestone, name="task_milestone"),
    path("tasks/<int:pk>/milestones/<int:item>/done/", views.milestone_done, name="milestone_done"),
    path("tasks/<int:pk>/links/", views.task_link, name="task_link"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/docx/", views.notice_word, name="notice_docx"),
]
