from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """Answer the load balancer: 200 when the database answers, 503 when it does not.

    The probe opens a connection of its own rather than reuse this thread's kept one: a
    kept connection to a server that stopped answering would wait on it without bound,
    while a new one gives up after the connect timeout (DATABASE_CONNECT_TIMEOUT).
    """
    probe = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    finally:
        probe.close()
    return JsonResponse({"status": "ok", "database": "ok"})
