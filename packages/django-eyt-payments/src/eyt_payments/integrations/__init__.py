"""Optional cooperation with the other django-eyt packages; each module is a no-op when its peer is absent."""
