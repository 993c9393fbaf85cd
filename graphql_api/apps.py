from django.apps import AppConfig


class GraphQLApiConfig(AppConfig):
    name = "graphql_api"
    verbose_name = "Read-only GraphQL API"
