from django.urls import path

from . import devviews, memviews, views

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
    path("development/steps/<int:pk>/correct/", devviews.correct, name="dev_correct"),
    path("development/approvals/", devviews.approvals, name="dev_approvals"),
    path("development/approvals/print/", devviews.approvals_print, name="dev_approvals_print"),
    path("development/applicants/<int:pk>/decide/", devviews.decide, name="dev_decide"),
    path("development/applicants/<int:pk>/print/", devviews.record_print, name="dev_print"),
    path("development/applicants/<int:pk>/print/form/", devviews.form_print, name="dev_print_form"),
    # Transfers, floating members, dues, care visits (党员管理)
    path("orgs/<int:pk>/transfers/new/", memviews.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/receive/", memviews.transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/cancel/", memviews.transfer_cancel, name="transfer_cancel"),
    path("orgs/<int:pk>/floating/new/", memviews.floating_new, name="floating_new"),
    path("floating/<int:pk>/end/", memviews.floating_end, name="floating_end"),
    path("orgs/<int:pk>/dues/", memviews.dues, name="dues"),
    path("orgs/<int:pk>/dues/export/", memviews.dues_export, name="dues_export"),
    path("orgs/<int:pk>/care/new/", memviews.care_new, name="care_new"),
    path("care/<int:pk>/follow-up/", memviews.care_follow_up, name="care_follow_up"),
    path("orgs/<int:pk>/commendations/new/", memviews.nomination_new, name="nomination_new"),
    path("commendations/<int:pk>/", memviews.commendation_page, name="commendation"),
]
