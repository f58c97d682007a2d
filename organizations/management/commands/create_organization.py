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

    def handle(
        self, *args, slug: str, name: str, admin_email: str | None, admin_password: str | None, **options
    ) -> None:
        if admin_password and not admin_email:
            raise CommandError("--admin-password needs --admin-email.")
        try:
            organization = services.create_organization(
                slug=slug,
                name=name,
                admin_email=admin_email,
                admin_password=admin_password,
                by=services.Actor.command("create_organization"),
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Created organization {organization.slug} ({organization.name}).")
        if admin_email:
            self.stdout.write(f"Admin login: {admin_email}")
