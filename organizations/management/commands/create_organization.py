from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations import services


class Command(BaseCommand):
    help = "Create an organization, and optionally its first admin login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email")
        parser.add_argument("--admin-password")
        parser.add_argument(
            "--admin-name",
            default="",
            help='The admin\'s name, e.g. "Ada Lovelace" (first word: given name; the rest: family name).',
        )

    def handle(
        self,
        *args: Any,
        slug: str,
        name: str,
        admin_email: str | None,
        admin_password: str | None,
        admin_name: str,
        **options: Any,
    ) -> None:
        if admin_password and not admin_email:
            raise CommandError("--admin-password needs --admin-email.")
        if admin_name.strip() and not admin_email:
            raise CommandError("--admin-name needs --admin-email.")
        given_name, _, family_name = admin_name.strip().partition(" ")
        try:
            organization = services.create_organization(
                slug=slug,
                name=name,
                admin_email=admin_email,
                admin_password=admin_password,
                admin_given_name=given_name,
                admin_family_name=family_name.strip(),
                by=services.Actor.command("create_organization"),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Created organization {organization.slug} ({organization.name}).")
        if admin_email:
            self.stdout.write(f"Admin login: {admin_email}")
