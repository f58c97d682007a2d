"""Delete audit and provisioning events older than the retention period (for cron)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from organizations.services import prune_events


class Command(BaseCommand):
    help = "Delete events older than --days (default: the EVENT_RETENTION_DAYS setting), in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Keep this many days of events.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Events deleted per transaction.")

    def handle(self, *args: Any, days: int | None, batch_size: int, **options: Any) -> None:
        days = settings.EVENT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        before = timezone.now() - timedelta(days=days)
        pruned = prune_events(before=before, batch_size=batch_size)
        self.stdout.write(f"Pruned {pruned} event{'s' if pruned != 1 else ''} older than {days} days.")
