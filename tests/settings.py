"""The production settings, with a throwaway key and no HTTPS redirect for the test client."""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from preciate.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# No collectstatic manifest in tests: serve static files straight from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Tests that run two transactions at once need a file, not an in-memory database;
    # one file per test process, so parallel runs never share it.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"preciate-test-{os.getpid()}.sqlite3")
    }

# The shared cache: Redis when REDIS_URL is set (CI), local memory otherwise (settings above).
# Keys carry a prefix unique to this run, inherited by servers a test starts, so runs on the
# same Redis never meet and each test deletes only its own run's keys (tests/conftest.py).
CACHE_KEY_PREFIX = os.environ.setdefault("PRECIATE_TEST_CACHE_PREFIX", f"preciate-tests-{uuid.uuid4().hex[:12]}")
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX  # noqa: F405
