from django.urls import path

from . import devviews, views

app_name = "party"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("orgs/<int:pk>/", views.org_page, name="org"),
    path("orgs/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("orgs/<int:pk>/meetings/attendance/", views.attendance_partial, name="attendance"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/correct/", views.meeting_correct, name="meeting_correct"),
    path("meetings/<int:pk>/void/", views.meeting_void, name="meeting_void"),
    # Member development (发展党员)
    path("development/", devviews.overview, name="dev_overview"),
    path("development/plan/", devviews.plan_set, name="dev_plan"),
    path("development/orgs/<int:pk>/", devviews.board, name="dev_board"),
    path("development/orgs/<int:pk>/apply/", devviews.apply, name="dev_apply"),
    path("development/applicants/<int:pk>/", devviews.applicant_page, name="dev_applicant"),
    path("development/applicants/<int:pk>/cancel/", devviews.cancel, name="dev_cancel"),
]
