"""Local development: `make run`. Generous throttles, console email, debug pages."""

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK
from config.settings.graphql import graphiql_static_dirs

# DEBUG stays off (base.py) even here, so API clients get problem documents, never
# Django's HTML debug pages; `DEBUG=true make run` turns them on for a debugging session.
ALLOW_DEMO_DATA = True
# A fixed, clearly-marked development key: production refuses to start with it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-do-not-use")

# Enough for a benchmark of hundreds of students behind one address.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env("THROTTLE_ANON_RATE", default="5000/min"),
    "user": env("THROTTLE_USER_RATE", default="5000/min"),
}

# Serve Swagger UI's and the browsable API's files without `collectstatic`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Webhook receivers on this machine (http://127.0.0.1:...) are what a developer tries first.
NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS = env.bool("NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS", default=True)

# GraphiQL at /graphql/ (with its files from var/graphiql/) and schema introspection.
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=True)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=True)
STATICFILES_DIRS = graphiql_static_dirs()
