"""Django REST framework: authentication, permissions, errors, throttling."""

from config.env import env

THROTTLE_ANON_RATE = env("THROTTLE_ANON_RATE", default="100/min")
THROTTLE_USER_RATE = env("THROTTLE_USER_RATE", default="300/min")
# Password attempts (the token endpoint, the browsable API's and the admin's login
# forms), on top of the rates above: per client address, and per username from anywhere.
THROTTLE_LOGIN_RATE = env("THROTTLE_LOGIN_RATE", default="60/min")
THROTTLE_LOGIN_USERNAME_RATE = env("THROTTLE_LOGIN_USERNAME_RATE", default="10/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        # Lets a person use the browsable API after logging in at /api-auth/login/.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonymousRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": THROTTLE_ANON_RATE,
        "user": THROTTLE_USER_RATE,
        "login": THROTTLE_LOGIN_RATE,
        "login_username": THROTTLE_LOGIN_USERNAME_RATE,
    },
    # Reverse proxies (the KrakenD gateway, a load balancer) in front of the service:
    # throttles find the client's address that many hops back in X-Forwarded-For.
    # 0 ignores the header, which a client could forge.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "config.exceptions.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
