from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommender"

    def ready(self) -> None:
        # Register the tasks in every process: jobs are queued by name (common.jobs), and in eager mode (no broker)
        # only a registered task runs; an unknown name would go to send_task and never run.
        from recommender import tasks  # noqa: F401

        # The closet's embedding job applies confident tags at upload from the shop's vote; the closet never imports
        # the shop, so the shop hands its vote in.
        from recommender.autotag import guesses_for_upload
        from wardrobe import upload_tags

        upload_tags.set_suggester(guesses_for_upload)

        # For you caches what it reads of the mood boards; any change of a board photo or the slider drops it.
        from django.db.models.signals import post_delete, post_save

        from wardrobe.models import BoardPhoto, InspirationBlend

        for model in (BoardPhoto, InspirationBlend):
            post_save.connect(_forget_board_state, sender=model, dispatch_uid=f"board-state-{model.__name__}-save")
            post_delete.connect(_forget_board_state, sender=model, dispatch_uid=f"board-state-{model.__name__}-delete")
        # ... and the stated shopping preferences.
        from accounts.models import ShoppingPreferences

        post_save.connect(_forget_preferences, sender=ShoppingPreferences, dispatch_uid="prefs-state-save")
        post_delete.connect(_forget_preferences, sender=ShoppingPreferences, dispatch_uid="prefs-state-delete")


def _forget_board_state(sender, instance, **kwargs) -> None:  # noqa: ANN001 - Django's signal signature
    from django.db import transaction

    from recommender.selectors.boards import forget_board_state

    # Now (this process's next read) and again after the commit: a page read between the two would cache the state
    # from before the change.
    forget_board_state(instance.owner_id)
    transaction.on_commit(lambda: forget_board_state(instance.owner_id))


def _forget_preferences(sender, instance, **kwargs) -> None:  # noqa: ANN001 - Django's signal signature
    from django.db import transaction

    from recommender.selectors.filters import forget_preferences_state

    forget_preferences_state(instance.user_id)
    transaction.on_commit(lambda: forget_preferences_state(instance.user_id))
