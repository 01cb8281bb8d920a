"""Nothing but the notification types the tests declare (registered when the app loads)."""
