from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "backend.budgets"
    label = "budgets"
    verbose_name = "预算项目"
