"""Local development: `make run`. Generous throttles, console email, debug pages."""

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import REST_FRAMEWORK
from config.settings.graphql import graphiql_static_dirs

# The local stack's stores, where `make run` (bin/stack.py) puts them, read from the same
# variables with the same defaults: a command typed in a second terminal beside a running
# `make run` finds them. Real AWS DynamoDB only when asked for: DYNAMODB_USE_AWS=true.
DYNAMODB_USE_AWS = env.bool("DYNAMODB_USE_AWS", default=False)
if DYNAMODB_USE_AWS:
    DYNAMODB_ENDPOINT = env("DYNAMODB_ENDPOINT", default=None) or None
else:
    DYNAMODB_ENDPOINT = env("DYNAMODB_ENDPOINT", default=None) or (
        f"http://127.0.0.1:{env.int('DYNAMODB_LOCAL_PORT', default=8100)}"
    )
# A RabbitMQ already running on 5672 is used by `make run` if it answers, else its private
# node on RABBITMQ_LOCAL_PORT: the same two, tried in that order (kombu's failover).
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    default="amqp://guest:guest@127.0.0.1:5672//;"
    f"amqp://guest:guest@127.0.0.1:{env.int('RABBITMQ_LOCAL_PORT', default=5673)}//",
)
# What an operator's command says to do when one of them does not answer.
STORES_START_HINT = "start the local stack with `make run` in another terminal (it serves until Ctrl-C)"

# DEBUG stays off (base.py) even here, so API clients get problem documents, never
# Django's HTML debug pages; `DEBUG=true make run` turns them on for a debugging session.
ALLOW_DEMO_DATA = True
# A fixed, clearly-marked development key: production refuses to start with it.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-key-do-not-use")

# Enough for a benchmark of hundreds of students behind one address.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env("THROTTLE_ANON_RATE", default="5000/min"),
    "user": env("THROTTLE_USER_RATE", default="5000/min"),
    "login": env("THROTTLE_LOGIN_RATE", default="5000/min"),
    "login_username": env("THROTTLE_LOGIN_USERNAME_RATE", default="100/min"),
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
