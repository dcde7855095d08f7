from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "backend.indicators"
    label = "indicators"
    verbose_name = "指标模板"
