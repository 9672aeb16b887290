from django.urls import path

from party import ledger_views, me_views, views
from party.development import views as development_views
from party.duty_review import views as duty_review_views
from party.life import signin_views
from party.life import views as life_views
from party.membership import status_views
from party.membership import views as membership_views
from party.structure import views as structure_views
from party.study_group import views as study_views
from party.talks import views as talk_views
from party.terms import views as term_views

app_name = "party"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("orgs/<int:pk>/", views.org_page, name="org"),
    path("orgs/<int:pk>/meetings/new/", life_views.meeting_new, name="meeting_new"),
    path("orgs/<int:pk>/meetings/attendance/", life_views.attendance_partial, name="attendance"),
    path("orgs/<int:pk>/meetings/export/", ledger_views.meetings_export, name="meetings_export"),
    path("meetings/<int:pk>/", life_views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/correct/", life_views.meeting_correct, name="meeting_correct"),
    path("meetings/<int:pk>/appraisal/", life_views.meeting_appraisal, name="meeting_appraisal"),
    path("meetings/<int:pk>/void/", life_views.meeting_void, name="meeting_void"),
    # 扫码签到 and the member's own view (issue 21 part 7)
    path("meetings/<int:pk>/signin-code/", signin_views.signin_code, name="meeting_signin_code"),
    path("signin/<str:token>/", signin_views.signin_page, name="signin"),
    path("me/", me_views.my_page, name="me"),
    # 谈心谈话 (talk log)
    path("orgs/<int:pk>/talks/", talk_views.talk_list, name="talks"),
    path("orgs/<int:pk>/talks/new/", talk_views.talk_new, name="talk_new"),
    path("orgs/<int:pk>/talks/partners/", talk_views.talk_partners, name="talk_partners"),
    path("talks/<int:pk>/", talk_views.talk_detail, name="talk"),
    path("talks/<int:pk>/correct/", talk_views.talk_correct, name="talk_correct"),
    path("talks/<int:pk>/void/", talk_views.talk_void, name="talk_void"),
    # Member development (发展党员)
    path("development/", views.development_overview, name="development_overview"),
    path("development/plan/", development_views.plan_set, name="development_plan"),
    path("development/orgs/<int:pk>/", development_views.board, name="development_board"),
    path("development/orgs/<int:pk>/apply/", development_views.apply, name="development_apply"),
    path("development/orgs/<int:pk>/export/", ledger_views.development_export, name="development_export"),
    path("development/applicants/<int:pk>/", development_views.applicant_page, name="development_applicant"),
    path("development/applicants/<int:pk>/cancel/", development_views.cancel, name="development_cancel"),
    path("development/steps/<int:pk>/correct/", development_views.correct, name="development_correct"),
    path("development/approvals/", development_views.approvals, name="development_approvals"),
    path("development/committee/", development_views.committee_queue, name="development_committee"),
    path(
        "development/submissions/<int:pk>/", development_views.submission_page, name="development_submission"
    ),
    path("development/applicants/<int:pk>/submit/", development_views.submit, name="development_submit"),
    path(
        "development/approvals/print/", development_views.approvals_print, name="development_approvals_print"
    ),
    path("development/applicants/<int:pk>/decide/", development_views.decide, name="development_decide"),
    path("development/applicants/<int:pk>/print/", development_views.record_print, name="development_print"),
    path(
        "development/applicants/<int:pk>/print/form/",
        development_views.form_print,
        name="development_print_form",
    ),
    # Transfers, floating members, dues, care visits (党员管理)
    path("orgs/<int:pk>/transfers/new/", membership_views.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/receive/", membership_views.transfer_receive, name="transfer_receive"),
    path("transfers/<int:pk>/cancel/", membership_views.transfer_cancel, name="transfer_cancel"),
    path("orgs/<int:pk>/floating/new/", membership_views.floating_new, name="floating_new"),
    path("floating/<int:pk>/end/", membership_views.floating_end, name="floating_end"),
    path("orgs/<int:pk>/dues/", membership_views.dues, name="dues"),
    path("orgs/<int:pk>/dues/export/", membership_views.dues_export, name="dues_export"),
    path("members/<int:pk>/dues/", membership_views.member_dues, name="member_dues"),
    path("dues/reductions/", membership_views.reduction_queue, name="dues_reductions"),
    path("dues/reductions/<int:pk>/decide/", membership_views.reduction_decide, name="reduction_decide"),
    path("dues/reductions/<int:pk>/close/", membership_views.reduction_close, name="reduction_close"),
    path("orgs/<int:pk>/care/new/", membership_views.care_new, name="care_new"),
    path("care/<int:pk>/follow-up/", membership_views.care_follow_up, name="care_follow_up"),
    path("orgs/<int:pk>/status/new/", status_views.status_new, name="status_new"),
    path("status/<int:pk>/end/", status_views.status_end, name="status_end"),
    path("status/<int:pk>/revoke/", status_views.status_revoke, name="status_revoke"),
    path("orgs/<int:pk>/commendations/new/", membership_views.nomination_new, name="nomination_new"),
    path("commendations/<int:pk>/", membership_views.commendation_page, name="commendation"),
    # Elections and approvals (换届选举、书记副书记报批)
    path("orgs/<int:pk>/elections/new/", term_views.election_new, name="election_new"),
    path("orgs/<int:pk>/appointments/new/", term_views.appointment_new, name="appointment_new"),
    path("approvals/", term_views.approvals, name="approvals"),
    path("terms/<int:pk>/decide/", term_views.term_decide, name="term_decide"),
    path("appointments/<int:pk>/decide/", term_views.appointment_decide, name="appointment_decide"),
    path("orgs/<int:pk>/cadres/new/", term_views.cadre_new, name="cadre_new"),
    path("cadres/<int:pk>/end/", term_views.cadre_end, name="cadre_end"),
    # 联合党支部, 品牌支部, 党建联盟
    path("orgs/<int:pk>/joint-units/new/", structure_views.joint_unit_new, name="joint_unit_new"),
    path("joint-units/<int:pk>/end/", structure_views.joint_unit_end, name="joint_unit_end"),
    path("orgs/<int:pk>/brand/new/", structure_views.brand_new, name="brand_new"),
    path("brands/<int:pk>/revoke/", structure_views.brand_revoke, name="brand_revoke"),
    path("orgs/<int:pk>/alliances/new/", structure_views.alliance_new, name="alliance_new"),
    path("alliances/<int:pk>/end/", structure_views.alliance_end, name="alliance_end"),
    # 书记抓基层党建工作述职评议考核
    path("duty-review/", duty_review_views.index, name="duty_review"),
    path("duty-review/<int:pk>/", duty_review_views.round_page, name="duty_review_round"),
    path("duty-review/<int:pk>/action/", duty_review_views.round_action, name="duty_review_action"),
    path(
        "duty-review/<int:pk>/reporters/add/", duty_review_views.reporter_add, name="duty_review_reporter_add"
    ),
    path("duty-review/<int:pk>/raters/add/", duty_review_views.rater_add, name="duty_review_rater_add"),
    path("duty-review/<int:pk>/problems/add/", duty_review_views.problem_add, name="duty_review_problem_add"),
    path("duty-review/<int:pk>/print/", duty_review_views.print_results, name="duty_review_print"),
    path("duty-review/<int:pk>/export/", duty_review_views.export, name="duty_review_export"),
    path(
        "duty-review/reporters/<int:pk>/withdraw/",
        duty_review_views.reporter_withdraw,
        name="duty_review_reporter_withdraw",
    ),
    path("duty-review/reports/<int:pk>/", duty_review_views.report, name="duty_review_report"),
    path("duty-review/reports/<int:pk>/sheet/", duty_review_views.sheet, name="duty_review_sheet"),
    path(
        "duty-review/problems/<int:pk>/withdraw/",
        duty_review_views.problem_withdraw,
        name="duty_review_problem_withdraw",
    ),
    # 两新组织覆盖、党建联盟 (coverage figures of the organization department)
    path("coverage/", structure_views.coverage, name="coverage"),
    # 理论学习中心组 (a committee's theory study group)
    path("study-group/", study_views.index, name="study_group"),
    path("study-group/orgs/<int:pk>/", study_views.committee, name="study_group_org"),
    path("study-group/orgs/<int:pk>/plan/", study_views.plan, name="study_plan"),
    path("study-group/orgs/<int:pk>/sessions/new/", study_views.session_new, name="study_session_new"),
    path("study-group/orgs/<int:pk>/members/", study_views.members, name="study_members"),
    path("study-group/orgs/<int:pk>/print/", study_views.record_print, name="study_print"),
    path("study-group/sessions/<int:pk>/", study_views.session_detail, name="study_session"),
    path("study-group/sessions/<int:pk>/void/", study_views.session_void, name="study_session_void"),
    path("study-group/members/<int:pk>/end/", study_views.member_end, name="study_member_end"),
]
