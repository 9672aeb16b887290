from django.urls import path

from . import views

app_name = "walks"
urlpatterns = [
    path("", views.index, name="index"),
    path("leaders/", views.leaders, name="leaders"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steps/", views.add_step, name="add_step"),
    path("<int:pk>/checklist/", views.answer_checklist, name="checklist"),
    path("<int:pk>/problems/", views.add_problem, name="add_problem"),
    path("<int:pk>/record/", views.record, name="record"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("problems/<int:pk>/case/", views.hand_to_case, name="hand_to_case"),
    path("problems/<int:pk>/task/", views.hand_to_task, name="hand_to_task"),
]
