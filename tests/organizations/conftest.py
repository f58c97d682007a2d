"""Sam, a Preciate support engineer, created the production way (`manage.py create_support_user`)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management import call_command
from django.test import Client

SAM = "sam@preciate.example"


@pytest.fixture
def sam(db: None) -> AbstractBaseUser:
    call_command("create_support_user", SAM, "--password", "sam-support-pw-1", stdout=io.StringIO())
    return get_user_model().objects.get(username=SAM)


@pytest.fixture
def sam_client(sam: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(sam)
    return client
