from django.apps import AppConfig


class KeyEvaluationConfig(AppConfig):
    name = "backend.key_evaluation"
    label = "key_evaluation"
    verbose_name = "重点评价"
