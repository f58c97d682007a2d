"""Production settings with static files collected outside the repository.

Benchmarks run with DEBUG=0, where the manifest storage needs ``collectstatic`` output;
collecting into the shared working tree would leave a ``staticfiles/`` copy that goes
stale as colleagues edit CSS. Everything else is ``preciate.settings`` unchanged::

    DJANGO_SETTINGS_MODULE=benchmarks.settings .venv/bin/python manage.py collectstatic --noinput
"""

from pathlib import Path

from preciate.settings import *  # noqa: F403

STATIC_ROOT = Path("/tmp/preciate-bench-static")
