from django.urls import path

from . import devviews, memviews, structviews, talkviews, termviews, views

app_name = "party"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("orgs/<int:pk>/", views.org_page, name="org"),
    path("orgs/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("orgs/<int:pk>/meetings/attendance/", views.attendance_partial, name="attendance"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/correct/", views.meeting_correct, name="meeting_correct"),
    path("meetings/<int:pk>/appraisal/", views.meeting_appraisal, name="meeting_appraisal"),
    path("meetings/<int:pk>/void/", views.meeting_void, name="meeting_void"),
    # 谈心谈话 (talk log)
    path("orgs/<int:pk>/talks/", talkviews.talk_list, name="talks"),
    path("orgs/<int:pk>/talks/new/", talkviews.talk_new, name="talk_new"),
    path("orgs/<int:pk>/talks/partners/", talkviews.talk_partners, name="talk_partners"),
    path("talks/<int:pk>/", talkviews.talk_detail, name="talk"),
    path("talks/<int:pk>/correct/", talkviews.talk_correct, name="talk_correct"),
    path("talks/<int:pk>/void/", talkviews.talk_void, name="talk_void"),
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
    # Elections and approvals (换届选举、书记副书记报批)
    path("orgs/<int:pk>/elections/new/", termviews.election_new, name="election_new"),
    path("orgs/<int:pk>/appointments/new/", termviews.appointment_new, name="appointment_new"),
    path("approvals/", termviews.approvals, name="approvals"),
    path("terms/<int:pk>/decide/", termviews.term_decide, name="term_decide"),
    path("appointments/<int:pk>/decide/", termviews.appointment_decide, name="appointment_decide"),
    path("orgs/<int:pk>/cadres/new/", termviews.cadre_new, name="cadre_new"),
    path("cadres/<int:pk>/end/", termviews.cadre_end, name="cadre_end"),
    # 联合党支部, 品牌支部, 党建联盟
    path("orgs/<int:pk>/joint-units/new/", structviews.joint_unit_new, name="joint_unit_new"),
    path("joint-units/<int:pk>/end/", structviews.joint_unit_end, name="joint_unit_end"),
    path("orgs/<int:pk>/brand/new/", structviews.brand_new, name="brand_new"),
    path("brands/<int:pk>/revoke/", structviews.brand_revoke, name="brand_revoke"),
    path("orgs/<int:pk>/alliances/new/", structviews.alliance_new, name="alliance_new"),
    path("alliances/<int:pk>/end/", structviews.alliance_end, name="alliance_end"),
]
