from django.urls import path

from . import views

app_name = "villages"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("public/<str:code>/", views.public, name="public"),
]
