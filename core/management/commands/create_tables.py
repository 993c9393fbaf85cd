"""``.venv/bin/python manage.py create_tables``: create every DynamoDB table the service needs."""

from django.conf import settings
from django.core.management.base import CommandError

from core.dynamodb import registered_models, table_ensure
from core.management.stores import StoreCommand


class Command(StoreCommand):
    help = "Create the service's DynamoDB tables (on-demand billing) unless they exist. Safe to run again."
    stores = ("dynamodb",)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--recreate",
            action="store_true",
            help="Delete and create each table again, losing its data (development only).",
        )

    def handle(self, *args, recreate: bool, **options) -> None:
        if recreate and not settings.DYNAMODB_ENDPOINT:
            raise CommandError("--recreate deletes data; it is refused against real AWS DynamoDB.")
        endpoint = settings.DYNAMODB_ENDPOINT or f"AWS DynamoDB ({settings.AWS_REGION})"
        models = registered_models()
        self.stdout.write(f"{len(models)} tables at {endpoint}, prefix '{settings.DYNAMODB_TABLE_PREFIX}':")
        for model in models:
            status = table_ensure(model=model, recreate=recreate)
            verb = "created" if status.created else "found"
            self.stdout.write(f"  {verb:8} {status.name}")
