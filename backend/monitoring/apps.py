from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "backend.monitoring"
    label = "monitoring"
    verbose_name = "绩效运行监控"
