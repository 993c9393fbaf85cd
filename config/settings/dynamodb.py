"""DynamoDB through PynamoDB. An unset DYNAMODB_ENDPOINT means real AWS DynamoDB, except under
local settings (``local.py``), where it means the local stack's DynamoDB Local."""

from config.env import env

DYNAMODB_ENDPOINT = env("DYNAMODB_ENDPOINT", default=None) or None
AWS_REGION = env("AWS_REGION", default=env("AWS_DEFAULT_REGION", default="us-east-1"))
DYNAMODB_TABLE_PREFIX = env("DYNAMODB_TABLE_PREFIX", default="enrollment_")
# Fail fast when DynamoDB cannot be reached: the request answers 503 instead of hanging.
DYNAMODB_CONNECT_TIMEOUT_SECONDS = env.float("DYNAMODB_CONNECT_TIMEOUT_SECONDS", default=2.0)
DYNAMODB_READ_TIMEOUT_SECONDS = env.float("DYNAMODB_READ_TIMEOUT_SECONDS", default=5.0)
DYNAMODB_MAX_RETRY_ATTEMPTS = env.int("DYNAMODB_MAX_RETRY_ATTEMPTS", default=2)
DYNAMODB_MAX_POOL_CONNECTIONS = env.int("DYNAMODB_MAX_POOL_CONNECTIONS", default=20)
# botocore needs credentials even for DynamoDB Local, which ignores them. Real AWS
# takes them from its usual chain (environment, profile, instance role).
DYNAMODB_LOCAL_CREDENTIALS = None if env("AWS_ACCESS_KEY_ID", default=None) else ("local", "local")
