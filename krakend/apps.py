from django.apps import AppConfig


class KrakendConfig(AppConfig):
    name = "krakend"
    verbose_name = "KrakenD gateway config"
