import datetime

from django.utils import timezone

from enrollment import services


def participant_registered(*, user, initials="WL", date_of_birth=datetime.date(1975, 3, 14), screening_date=None):
    """A participant registered for screening through the service (so history is written)."""
    return services.participant_create(
        user=user,
        initials=initials,
        date_of_birth=date_of_birth,
        screening_date=screening_date or timezone.localdate(),
    )
