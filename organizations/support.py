"""Preciate support logins: staff with exactly the Django admin rights support's work needs.

Support staff are not superusers. What they may do is the permission list below; what
no one may do in Django admin (read or mint a key, set a customer admin's password) is
closed in keys/admin.py and organizations/user_admin.py whatever the permissions.
"""

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

SUPPORT_GROUP = "Preciate support"
# "app_label.codename", each named after the Django admin page or action that checks it.
SUPPORT_PERMISSIONS = (
    "organizations.view_organization",
    "organizations.change_organization",  # rename, and where people's location comes from
    "organizations.view_member",
    "organizations.change_member",  # the remove and restore actions
    "organizations.view_department",
    "organizations.view_location",
    "organizations.view_event",
    "organizations.view_team",
    "keys.view_scimkey",
    "keys.change_scimkey",  # the revoke action
    "auth.view_user",  # who holds a login, never a change to it
)


@transaction.atomic
def support_group() -> Group:
    """The support group, its permissions set to exactly SUPPORT_PERMISSIONS."""
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    wanted = Q()
    for name in SUPPORT_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    if len(permissions) != len(SUPPORT_PERMISSIONS):
        # Permissions are created after migrate; a missing one means an unmigrated database.
        raise ValidationError("Run `manage.py migrate` first: some support permissions do not exist yet.")
    group.permissions.set(permissions)
    return group


@transaction.atomic
def create_support_user(email: str, *, password: str) -> AbstractBaseUser:
    """Create a Django admin login for Preciate support: staff, in the support group, no superuser."""
    User = get_user_model()
    email = email.strip()
    if not email:
        raise ValidationError("An email is required.")
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError(f"A login for {email} already exists.")
    password_validation.validate_password(password)
    user = User.objects.create_user(username=email.lower(), email=email, password=password, is_staff=True)
    user.groups.add(support_group())
    return user
