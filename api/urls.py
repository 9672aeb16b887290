from django.urls import path, re_path

from . import views
from .open311 import views as open311
from .v1.api import api

app_name = "api"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", views.revoke, name="token_revoke"),
    re_path(r"^open311/v2/discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311.services, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[\w-]+)" + FMT, open311.service_definition, name="open311_service"
    ),
    re_path(r"^open311/v2/requests" + FMT, open311.requests, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[\w-]+)" + FMT, open311.request_detail, name="open311_request"
    ),
    re_path(r"^open311/v2/tokens/(?P<token>[\w-]+)" + FMT, open311.token, name="open311_token"),
]
