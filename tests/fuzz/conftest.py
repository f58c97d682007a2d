"""Fuzzing fixtures and the run's summary: how many examples and requests, which failures."""

from typing import Any

import pytest

from tests.fuzz.harness import PROFILE, TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY.examples and not TALLY.requests:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzzing ({PROFILE} profile)")
    for name, count in sorted(TALLY.examples.items()):
        write(f"{count:>9,} examples  {name}")
    for name, count in sorted(TALLY.requests.items()):
        write(f"{count:>9,} requests  {name}")
    write(f"{sum(TALLY.examples.values()):>9,} examples over the protocol layer in all")
    write(f"{sum(TALLY.requests.values()):>9,} generated requests in all")
    write("statuses: " + ", ".join(f"{s}: {n:,}" for s, n in sorted(TALLY.statuses.items())))
    for (where, what), reproducer in TALLY.failures.items():
        write(f"FAILURE x{TALLY.failure_counts[(where, what)]} {where}: {what}", red=True)
        write(reproducer)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In the long run failures are collected, not raised: the run must still fail.
    if TALLY.failures and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
