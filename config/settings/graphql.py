"""The read-only GraphQL endpoint at /graphql/: its limits, and the development tools."""

from pathlib import Path

from config.env import BASE_DIR, env

# Limits checked before a query reads anything (see graphql_api.limits).
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=8)
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=5000)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2000)
# Schema introspection and the GraphiQL page: development only (local.py turns them on).
GRAPHQL_INTROSPECTION = env.bool("GRAPHQL_INTROSPECTION", default=False)
GRAPHQL_GRAPHIQL = env.bool("GRAPHQL_GRAPHIQL", default=False)
# GraphiQL's own files, served from here: `bin/stack.py` fetches them from npm (never a CDN).
GRAPHIQL_ASSETS_DIR = Path(env("GRAPHIQL_ASSETS_DIR", default=str(BASE_DIR / "var" / "graphiql")))


def graphiql_static_dirs() -> list[tuple[str, Path]]:
    """STATICFILES_DIRS serving GraphiQL's files under static/graphiql/, once they are fetched
    (until then the page lists what is missing, and Django has no missing folder to warn about)."""
    return [("graphiql", GRAPHIQL_ASSETS_DIR)] if GRAPHIQL_ASSETS_DIR.is_dir() else []
