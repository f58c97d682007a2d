"""Replay Entra ID's provisioning against a running server, for a demo without an Entra tenant.

It lives in the scim app because it is a SCIM client and needs a key from keys.services:
organizations may import neither. The requests themselves are in scim/idp_simulator.py.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.views.decorators.debug import sensitive_variables

from keys.models import ScimKey
from keys.services import regenerate_key
from organizations.models import Organization
from organizations.services import Actor
from scim import idp_simulator
from scim.idp_simulator import MAX_USERS, Entra, SimulatorError


def _user_count(value: str) -> int:
    count = int(value)
    if not 1 <= count <= MAX_USERS:
        raise ValueError(count)
    return count


class Command(BaseCommand):
    help = (
        "Replay a Microsoft Entra ID initial cycle (a filter then a POST per user), manager links, a few "
        "updates and a leaver against the running server over HTTP. Generates a fresh SCIM key for it: "
        "the organization's previous key stops working at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the organization's slug, e.g. demo")
        parser.add_argument(
            "--users", type=_user_count, default=50, help=f"people in the simulated tenant (1 to {MAX_USERS})"
        )
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="where the server runs (default: make run's)"
        )
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same people and changes")

    @sensitive_variables("key")
    def handle(
        self, *args: Any, slug: str, users: int, base_url: str, seed: int, verbosity: int, **options: Any
    ) -> None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organization with slug {slug!r}. `make run` creates `demo`.")
        base_url = base_url.rstrip("/")

        def detail(line: str) -> None:
            if verbosity >= 2:
                self.stdout.write(line)

        try:
            # Before the key changes: an unreachable server must not cost the current key.
            idp_simulator.check_reachable(base_url)
        except SimulatorError as error:
            raise CommandError(f"{error} Start it with `make run` in another terminal, or pass --base-url.") from error

        previous = ScimKey.objects.filter(organization=organization, digest__isnull=False).first()
        key = regenerate_key(organization, by=Actor.command("simulate_idp"))
        entra = Entra(base_url, key)
        self.stdout.write(
            f"Simulating Microsoft Entra ID provisioning {users} people into {organization.name} ({slug}) "
            f"at {entra.tenant_url}"
        )
        self.stdout.write(
            f"Generated a fresh secret key …{key[-4:]} for the simulator. "
            + (
                f"The previous key …{previous.hint} no longer works: an IdP that used it gets 401 until it has a new "
                f"key from {base_url}/web/admin/keys."
                if previous
                else "The organization had no key before."
            )
        )
        people = idp_simulator.directory(users, seed=seed)
        try:
            self.stdout.write(idp_simulator.connection_test(entra))
            self.stdout.write(idp_simulator.initial_cycle(entra, people, detail))
            self.stdout.write(idp_simulator.link_managers(entra, people, detail))
            self.stdout.write(idp_simulator.updates(entra, people, seed=seed, say=self.stdout.write))
            self.stdout.write(idp_simulator.leaver(entra, people, self.stdout.write))
        except SimulatorError as error:
            raise CommandError(f"{error} ({entra.requests} requests sent before it.)") from error
        self.stdout.write(
            f"Done: {entra.requests} SCIM requests. People: {base_url}/web/admin/people, "
            f"activity: {base_url}/web/admin/provisioning"
        )
