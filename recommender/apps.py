from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommender"

    def ready(self) -> None:
        # Register the tasks in every process: jobs are queued by name (common.jobs), and in eager mode (no broker)
        # only a registered task runs; an unknown name would go to send_task and never run.
        from recommender import tasks  # noqa: F401
