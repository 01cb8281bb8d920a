"""The types the tests use, declared the way a host project would."""

from eyt_notify.types import NotificationType, register_type

MATCH_STARTING = register_type(
    NotificationType(
        "match.starting",
        category="matches",
        channels=("inapp", "email", "memory"),
        default_channels=("inapp", "email"),
        default_priority="high",
    )
)
PAYMENT_RECEIPT = register_type(
    NotificationType("payment.receipt", category="payments", channels=("inapp", "email"), required_channels=("email",))
)
TEAM_INVITE = register_type(NotificationType("team.invite", category="teams", channels=("inapp", "memory")))
INAPP_ONLY = register_type(NotificationType("system.notice", category="system", channels=("inapp",)))
FAN_ALERT = register_type(NotificationType("fan.alert", category="fans", channels=("inapp", "discord")))
