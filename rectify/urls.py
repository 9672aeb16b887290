from django.urls import path

from . import views

app_name = "rectify"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("from-finding/", views.from_finding, name="from_finding"),
    path("from-review/", views.from_review, name="from_review"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/problems/", views.add_problem, name="add_problem"),
    path("<int:pk>/items/", views.add_item, name="add_item"),
    path("<int:pk>/ledger/", views.ledger, name="ledger"),
    path("<int:pk>/progress/", views.progress_report, name="progress"),
    path("items/<int:pk>/", views.item, name="item"),
]
