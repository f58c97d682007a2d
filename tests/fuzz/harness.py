"""The fuzzing budget, and what a run tallies: examples tried, requests sent, failures seen.

``make test`` runs the bounded budget. ``HYPOTHESIS_PROFILE=long`` (``make fuzz``) runs the
long one; ``FUZZ_REQUESTS_PER_OPERATION`` and ``FUZZ_EXAMPLES_PER_PROPERTY`` set the budgets for a
run of a chosen length. In the long run a failing request is recorded and fuzzing goes on (one 5xx
must not end the search for the next); the run still fails, listing every failure found.
"""

import logging
import os
import traceback
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "bounded")
LONG = PROFILE == "long"

# Examples per property of the pure protocol layer.
PROPERTY_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES_PER_PROPERTY") or (20_000 if LONG else 300))
# Generated requests per API operation (14 operations: 8,000 each is over 100,000 requests).
REQUESTS_PER_OPERATION = int(os.environ.get("FUZZ_REQUESTS_PER_OPERATION") or (8_000 if LONG else 25))
# Record failing requests and go on, rather than stop at the first (the long run's survey).
COLLECT = LONG or os.environ.get("FUZZ_COLLECT") == "1"


def budget(examples: int = PROPERTY_EXAMPLES, *, shared_fixtures: bool = False) -> settings:
    """Hypothesis settings for a fuzz test: bounded examples, no deadline (the machine is shared).

    ``shared_fixtures``: the examples share one database on purpose (state builds up as a
    real directory's does), so the fixture health check does not apply.
    """
    checks = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
    if shared_fixtures:
        checks.append(HealthCheck.function_scoped_fixture)
    return settings(max_examples=examples, deadline=None, suppress_health_check=checks)


@dataclass
class Tally:
    examples: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    # (operation, what went wrong) -> first reproducer seen
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    failure_counts: Counter = field(default_factory=Counter)

    def fail(self, where: str, what: str, reproducer: str) -> None:
        self.failure_counts[(where, what)] += 1
        self.failures.setdefault((where, what), reproducer)


TALLY = Tally()


class ExceptionCatcher(logging.Handler):
    """Keep the traceback of the last exception logged (the SCIM handler logs each 500 it answers)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.last: str = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = "".join(traceback.format_exception(*record.exc_info))

    def take(self) -> str:
        last, self.last = self.last, ""
        return last


def traceback_head(text: str, lines: int = 6) -> str:
    """The exception line and the innermost frames: enough to find the cause."""
    rows = [row for row in text.strip().splitlines() if row.strip()]
    return "\n".join(rows[-lines:])
