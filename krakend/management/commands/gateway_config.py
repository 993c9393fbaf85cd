"""KrakenD's config for this service: print it, write krakend/krakend.json, or check it."""

from core.management.generated import GeneratedFileCommand
from krakend.gateway import CONFIG_PATH, DEFAULT_BACKEND, krakend_config, rendered


class Command(GeneratedFileCommand):
    help = "Make krakend/krakend.json from the OpenAPI document and the views' permissions."
    path = CONFIG_PATH

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--backend", default=DEFAULT_BACKEND, help=f"Django's URL as the gateway sees it ({DEFAULT_BACKEND})"
        )

    def render(self, **options) -> str:
        return rendered(krakend_config(options["backend"]))
