"""Views of the notification centre: HTML pages, JSON endpoints, web push and the live stream."""
