from django.apps import AppConfig


class BenchmarkingConfig(AppConfig):
    name = "backend.benchmarking"
    label = "benchmarking"
    verbose_name = "跨单位事实表"
