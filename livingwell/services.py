"""Writes for accounts and notifications."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from .enums import Role
from .models import Locality, Notification, Practice, User
from .signals import practice_stopped_volunteers


@transaction.atomic
def user_set_role(*, user: User, role: str) -> User:
    """Set a user's role and make their group membership follow it."""
    user.role = role
    user.is_staff = role == Role.ADMIN  # only admins reach the Django admin
    user.save(update_fields=["role", "is_staff"])
    role_groups = Group.objects.filter(name__in=[str(r) for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=str(role)))
    return user


@transaction.atomic
def practice_save(*, practice: Practice, by: User | None = None) -> Practice:
    """Save a practice. If its MDT protocol stops allowing volunteers, every coming agenda of
    its MDTs loses its volunteers in the same transaction (``practice_stopped_volunteers``):
    the practice's say holds from the moment it is recorded, not from the next publish."""
    was_allowed = (
        practice.pk is not None
        and Practice.objects.filter(pk=practice.pk, volunteers_may_attend_mdt=True).exists()
    )
    practice.save()
    if was_allowed and not practice.volunteers_may_attend_mdt:
        practice_stopped_volunteers.send(sender=Practice, practice=practice, by=by)
    return practice


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    locality: Locality | None = None,
    practices=(),
    **extra,
) -> User:
    """Create a user in a role (and so in its group)."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        locality=locality,
        **extra,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if practices:
        user.practices.set(practices)
    return user_set_role(user=user, role=role)


def notify(
    *,
    user: User,
    subject: str,
    body: str = "",
    url: str = "",
    key: str | None = None,
    email: bool = True,
) -> Notification | None:
    """Tell a user something: in the app now, by email after the commit.

    With ``key``, the same event notifies once however often this is called.
    """
    from .tasks import send_notification_email

    if key is not None:
        # Insert first: almost every call is the first for its key, and a failed insert (the
        # key taken, by an earlier run or a concurrent one) costs less than a read each time.
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    key=key, user=user, subject=subject, body=body, url=url, send_email=email
                )
        except IntegrityError:
            existing = Notification.objects.filter(key=key).first()
            if existing is None:
                raise
            return existing
    else:
        notification = Notification.objects.create(
            user=user, subject=subject, body=body, url=url, send_email=email
        )
    if email and user.email:
        from .queue import enqueue

        enqueue(send_notification_email, notification_id=notification.pk)
    return notification


def notify_many(notices: list[dict]) -> None:
    """``notify`` for many at once, in one insert: each a dict of ``notify``'s arguments, with
    a ``key`` (each event notifies once; a key already taken is skipped) and no email."""
    if any(n.get("key") is None or n.get("email", True) for n in notices):
        raise ValueError("notify_many sends no email and needs a key for each notification")
    Notification.objects.bulk_create(
        [
            Notification(
                key=n["key"],
                user=n["user"],
                subject=n["subject"],
                body=n.get("body", ""),
                url=n.get("url", ""),
                send_email=False,
            )
            for n in notices
        ],
        ignore_conflicts=True,
    )


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of a user's notifications read; returns how many changed."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
