from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "backend.oversight"
    label = "oversight"
    verbose_name = "上级监督"
