from django.urls import path

from . import views

app_name = "intel"

urlpatterns = [
    path("suggest/", views.suggest_fragment, name="suggest"),
    path("hot-spots/", views.hot_spot_page, name="hot_spots"),
    path("hot-spots/task/", views.hot_spot_task, name="hot_spot_task"),
    path("models/", views.model_page, name="models"),
]
