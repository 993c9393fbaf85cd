"""URL map: the versioned API under /api/v1/, operations and docs at the root."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.views import JWKSView
from config.exceptions import page_not_found
from core.throttling import login_throttled
from core.views import ApiRootView, LivenessView, ReadinessView
from graphql_api.views import GraphQLView

# One view object for the three roots, so the browsable API's breadcrumbs show it once.
api_root = ApiRootView.as_view()

api_v1: list[URLPattern | URLResolver] = [
    path("", api_root, name="api-v1-root"),
    path("", include("accounts.urls")),
    path("", include("enrollment.urls")),
    path("", include("notifications.urls")),
]

# DRF's rest_framework.urls, with the login form behind the login throttles.
browsable_api_auth: list[URLPattern | URLResolver] = [
    path(
        "login/",
        login_throttled(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("", api_root, name="root"),
    path("api/", api_root, name="api-root"),
    path("api/v1/", include(api_v1)),
    path("graphql/", GraphQLView.as_view(), name="graphql"),
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
    path("healthz", LivenessView.as_view(), name="healthz"),
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html"), name="redoc"),
    # Log in here to use the browsable API with a session instead of a token.
    path("api-auth/", include((browsable_api_auth, "rest_framework"))),
    # The admin's login form, throttled like every other password check (this path is
    # matched before the admin's own).
    path("admin/login/", login_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    # Any other path, in DEBUG too, answers a 404 problem document, never an HTML page;
    # exempt from CSRF, or an unsafe request would get Django's HTML 403 page instead.
    re_path(r"", csrf_exempt(page_not_found)),
]

handler400 = "config.exceptions.bad_request"
handler403 = "config.exceptions.permission_denied"
handler404 = "config.exceptions.page_not_found"
handler500 = "config.exceptions.server_error"
