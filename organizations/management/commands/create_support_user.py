"""Create a Django admin login for Preciate support staff (not a superuser)."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.support import SUPPORT_GROUP, create_support_user


class Command(BaseCommand):
    help = f"Create a staff login in the {SUPPORT_GROUP!r} group; prints a generated password unless --password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--password", help="Default: a generated password, printed once.")

    def handle(self, *args: Any, email: str, password: str | None, **options: Any) -> None:
        generated = password is None
        password = password or secrets.token_urlsafe(18)
        try:
            user = create_support_user(email, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Created support login {user.get_username()} (group {SUPPORT_GROUP}, not a superuser).")
        if generated:
            self.stdout.write(f"Password: {password}")
            self.stdout.write("Change it at /admin/password_change/ after the first sign-in.")
