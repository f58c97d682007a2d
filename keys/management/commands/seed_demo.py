"""`manage.py seed_demo`: the demo organization `make run` serves, and how to connect it.

It lives in keys, not organizations, because it prints the Tenant URL (keys/tenant_url.py);
the demo data itself is organizations/demo.py.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from keys.tenant_url import tenant_url_at
from organizations.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_PASSWORD,
    DEMO_SUPPORT_EMAIL,
    DEMO_SUPPORT_PASSWORD,
    ensure_demo_organization,
    ensure_demo_support_user,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Ensure the demo organization with an admin login, and a support login, exist; print how to use them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default=DEFAULT_BASE_URL)

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        organization = ensure_demo_organization()
        ensure_demo_support_user()
        port_argument = "" if base_url == DEFAULT_BASE_URL else f" --base-url {base_url}"
        self.stdout.write(
            f"\nDemo organization: {organization.name} ({organization.slug})\n"
            f"  Portal:      {base_url}/web/login\n"
            f"  Admin email: {DEMO_ADMIN_EMAIL}\n"
            f"  Password:    {DEMO_ADMIN_PASSWORD}\n"
            f"  Tenant URL:  {tenant_url_at(base_url)}\n"
            f"  Get the secret key on {base_url}/web/admin/keys\n"
            f"\nPreciate support (Django admin, not a superuser)\n"
            f"  Admin site:    {base_url}/admin/\n"
            f"  Support email: {DEMO_SUPPORT_EMAIL}\n"
            f"  Password:      {DEMO_SUPPORT_PASSWORD}\n"
            f"\nSee the sync work: while the server runs, in another terminal\n"
            f"  .venv/bin/python manage.py simulate_idp {organization.slug} --users 50{port_argument}\n"
        )
