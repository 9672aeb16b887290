from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steps/<int:step_pk>/correct/", views.correct_step, name="correct_step"),
    path("<int:pk>/photos/", views.photos, name="photos"),
    path("photos/<int:pk>/withdraw/", views.photo_withdraw, name="photo_withdraw"),
    path("<int:pk>/task/", views.task_link, name="task_link"),
    path("<int:pk>/print/", views.record_sheet, name="print"),
    path("township/", views.township, name="township"),
    path("public/<str:code>/", views.public, name="public"),
]
