"""Background work of the feedback service: reminders, escalations and outbox delivery."""


def run_worker(settings) -> None:
    """`hotline worker` entry point (see feedback_api.scheduler.runner)."""
    from feedback_api.scheduler.runner import run_worker as _run

    _run(settings)
