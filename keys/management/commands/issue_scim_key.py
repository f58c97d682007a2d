from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.views.decorators.debug import sensitive_variables

from keys.services import regenerate_key
from organizations.models import Organization
from organizations.services import Actor


class Command(BaseCommand):
    help = (
        "Print a new SCIM key for the organization on stdout, and nothing else. The previous key stops working at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the organization's slug")

    @sensitive_variables("key")
    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with slug {slug!r}.")
        key = regenerate_key(organization, by=Actor.command("issue_scim_key"))
        self.stdout.write(key)
