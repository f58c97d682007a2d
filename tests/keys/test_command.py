import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from keys import services
from keys.management.commands.issue_scim_key import Command
from organizations.services import Actor
from tests.trail import entry, trail


def test_it_prints_the_new_key_and_nothing_else(org):
    stdout = io.StringIO()
    call_command("issue_scim_key", "acme", stdout=stdout)
    output = stdout.getvalue()
    key = output.removesuffix("\n")
    assert output == key + "\n"
    assert services.organization_for_key(key) == org
    assert trail(org) == [
        entry("key.generated", by=Actor.command("issue_scim_key"), summary=f"Secret key …{key[-4:]} generated")
    ]


def test_it_kills_the_previous_key(org):
    first, second = io.StringIO(), io.StringIO()
    call_command("issue_scim_key", "acme", stdout=first)
    call_command("issue_scim_key", "acme", stdout=second)
    assert services.organization_for_key(first.getvalue().strip()) is None
    assert services.organization_for_key(second.getvalue().strip()) == org


def test_an_unknown_slug_is_a_clear_error(org):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("issue_scim_key", "nope")


# Transactional: run_from_argv closes the database connections when it finishes.
@pytest.mark.django_db(transaction=True)
def test_an_unknown_slug_exits_non_zero_with_the_error_on_stderr(org, capsys):
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "issue_scim_key", "nope"])
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No organization with slug 'nope'." in captured.err
