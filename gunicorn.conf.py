"""gunicorn settings for production; every value can be overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Entra gives a SCIM request 60 seconds; finish well inside that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
graceful_timeout = 30
accesslog = "-"
# The access log never carries headers, so the Authorization bearer key is never written.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
wsgi_app = "preciate.wsgi:application"
