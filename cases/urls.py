from django.urls import path

from . import approval_views, desk_views, ledger_views, notice_views, portal_views, public_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("export/", ledger_views.case_export, name="export"),
    path("notices/", notice_views.notice_list, name="notices"),
    path("callbacks/", desk_views.callback_queue, name="callbacks"),
    path("callbacks/<str:number>/", desk_views.callback_case, name="callback_case"),
    path("bulk/", desk_views.bulk, name="bulk"),
    path("bulk/options/", desk_views.bulk_options, name="bulk_options"),
    path("lookup/", desk_views.caller_lookup, name="lookup"),
    path("notices/<int:pk>/reply/", notice_views.notice_reply, name="notice_reply"),
    path("notices/<int:pk>/print/", notice_views.notice_print, name="notice_print"),
    path("notices/<int:pk>/docx/", notice_views.notice_word, name="notice_docx"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/register/", views.register, name="register"),
    path("<str:number>/request-verification/", views.request_verification, name="request_verification"),
    path("<str:number>/verify/", views.verify, name="verify"),
    path("<str:number>/reject/", views.reject, name="reject"),
    path("<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path("<str:number>/adjudicate/", views.adjudicate, name="adjudicate"),
    path("<str:number>/check/", views.check, name="check"),
    path("<str:number>/callback/", views.callback, name="callback"),
    path("<str:number>/reveal-phone/", views.reveal_phone, name="reveal_phone"),
    path("<str:number>/assignments/<int:pk>/sign/", views.sign, name="sign"),
    path("<str:number>/assignments/<int:pk>/return/", views.return_assignment, name="return"),
    path("<str:number>/assignments/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<str:number>/assignments/<int:pk>/report-in/", approval_views.report_in, name="report_in"),
    path("<str:number>/extension/", approval_views.request_extension, name="request_extension"),
    path("<str:number>/parking/", approval_views.request_parking, name="request_parking"),
    path("<str:number>/rehandle/", approval_views.request_rehandle, name="request_rehandle"),
    path("<str:number>/exclusion/", approval_views.request_exclusion, name="request_exclusion"),
    path("<str:number>/requests/<int:pk>/decide/", approval_views.decide, name="decide"),
    path("<str:number>/summon/", approval_views.summon, name="summon"),
    path("<str:number>/merge/", approval_views.merge, name="merge"),
    path("<str:number>/public/", approval_views.set_public, name="set_public"),
    path("<str:number>/urge/", notice_views.case_urge, name="urge"),
    path("<str:number>/notice/", notice_views.case_notice, name="issue_notice"),
]

# The public portal (群众端), mounted at the site root under the ``portal`` namespace.
portal_urlpatterns = [
    path("report/", portal_views.report, name="report"),
    path("track/", portal_views.track, name="track"),
    path("track/<str:number>/", portal_views.case, name="case"),
    path("my-cases/", portal_views.mine, name="mine"),
    path("report/grids.geojson", public_views.grids_geojson, name="grids_geojson"),
    path("report/nearby/", public_views.nearby, name="report_nearby"),
    path("places/", public_views.places, name="places"),
    path("reports/", public_views.report_list, name="report_list"),
    path("reports/points.json", public_views.report_points, name="report_points"),
    path("reports/<str:number>/", public_views.report_detail, name="report_detail"),
    path("reports/<str:number>/follow/", public_views.follow, name="report_follow"),
    path("notify/<str:token>/", portal_views.unsubscribe, name="unsubscribe"),
]
