"""gunicorn settings for production; every value can be overridden from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Measured with `make bench` on the 2-core box (docs/performance.md, "Issue 9: where it
# stands"): 2 gthread workers x 4 threads cost 0.7-2.8 ms less CPU per request than 3 x 4
# in both orders of running, and more than sync 2 or 3. SCIM is CPU-bound here: one worker
# per core, with PostgreSQL on the same cores, leaves none idle and adds no context switches;
# threads cover each request's database waits. sync would also close Entra's keep-alive
# connection after every answer. Raise GUNICORN_WORKERS with the cores.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Entra gives a SCIM request 60 seconds; finish well inside that.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
graceful_timeout = 30
# GUNICORN_ACCESSLOG=off when a proxy in front already logs every request: it costs 0.1-0.2 ms
# of CPU per request (measured on the framework floor), a few percent of a SCIM request; on
# by default, as the only per-request record an operator has without a proxy.
accesslog = None if os.environ.get("GUNICORN_ACCESSLOG", "-").lower() in {"", "off", "0", "false"} else "-"
# The access log never carries headers, so the Authorization bearer key is never written.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
wsgi_app = "preciate.wsgi:application"
