from django.urls import path

from . import views

app_name = "cadres"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.file_new, name="file_new"),
    path(
        "accountability/new/", views.organization_accountability_new, name="organization_accountability_new"
    ),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("<int:pk>/", views.file_detail, name="file"),
    path("<int:pk>/open/", views.file_open, name="file_open"),
    path("<int:pk>/offhours/", views.offhours, name="offhours"),
    path("<int:pk>/inspections/new/", views.inspection_new, name="inspection_new"),
    path("<int:pk>/adjustments/new/", views.adjustment_new, name="adjustment_new"),
    path("<int:pk>/accountability/new/", views.accountability_new, name="accountability_new"),
    path("<int:pk>/revoke/", views.file_revoke, name="file_revoke"),
    path("<int:pk>/revoke/<str:kind>/<int:record_pk>/", views.revoke, name="revoke"),
]
