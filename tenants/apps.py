from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "检察院"

    def ready(self) -> None:
        from tenants.references import guard_shared_rows

        guard_shared_rows()
