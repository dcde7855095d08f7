from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "backend.feedback"
    label = "feedback"
    verbose_name = "结果应用与反馈"
