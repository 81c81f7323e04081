"""The one way to enqueue a Celery task: after the surrounding transaction commits.

A direct `.delay()` inside a transaction is a bug: the worker may run before the row exists, or
run for a row that was rolled back.
"""

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, using: str | None = None, **kwargs) -> None:
    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs), using=using)


def enqueue_with_options_on_commit(task, *, args=(), kwargs=None, **options) -> None:
    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs or {}, **options))
