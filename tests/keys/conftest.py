import pytest

from organizations.models import Member
from organizations.services import Actor


@pytest.fixture
def alice(admin: Member) -> Actor:
    """Alice, the admin of Acme, acting in the portal."""
    return Actor.admin(admin.user)
