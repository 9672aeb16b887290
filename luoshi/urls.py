from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.ranking_views import rankings
from cases.urls import portal_urlpatterns
from core import media
from core import views as core_views

from .views import root

admin.site.site_header = "落实 · 管理后台"
admin.site.site_title = "落实"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", root, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/", include("orgs.urls")),
    path("rankings/", rankings, name="rankings"),
    path("cases/", include("cases.urls")),
    path("workplan/", include("workplan.urls")),
    path("party/", include("party.urls")),
    path("villages/", include("villages.urls")),
    path("rectify/", include("rectify.urls")),
    path("walks/", include("walks.urls")),
    path("intel/", include("intel.urls")),
    path("cadres/", include("cadres.urls")),
    path("", include("api.urls")),
    path("", include((portal_urlpatterns, "portal"))),
    path("inbox/", core_views.inbox, name="inbox"),
    path("inbox/read/", core_views.inbox_read, name="inbox_read"),
    path("healthz", core_views.healthz, name="healthz"),
    # Uploaded files, always through the permission check (core/media.py), in DEBUG too.
    path("media/<path:name>", media.serve, name="media"),
    path("admin/", admin.site.urls),
]
