from django.urls import path

from . import views

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
]
