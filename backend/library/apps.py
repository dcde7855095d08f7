from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "backend.library"
    label = "library"
    verbose_name = "单位指标库"
