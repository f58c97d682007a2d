"""gunicorn settings for production; every value can be overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Entra gives a SCIM request 60 seconds; finish well inside that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
graceful_timeout = 30
# GUNICORN_ACCESSLOG=off when a proxy in front already logs every request.
accesslog = None if os.environ.get("GUNICORN_ACCESSLOG", "-").lower() in {"", "off", "0", "false"} else "-"
# The access log never carries headers, so the Authorization bearer key is never written.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
wsgi_app = "preciate.wsgi:application"
