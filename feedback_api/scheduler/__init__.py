"""Background work of the feedback service: reminders, escalations and outbox delivery."""
