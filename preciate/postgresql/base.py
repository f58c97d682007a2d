"""Django's PostgreSQL backend, with a health check that costs no round trip when the connection is fine.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before each request first uses
it, by running ``SELECT 1``: one more round trip on every SCIM request, about a tenth of
the statements a PATCH runs, and a blocking wait that costs CPU on a virtual machine too
(docs/performance.md, "Issue 9"). An idle connection has nothing to read, so when its socket
is not readable the connection is as usable as ``SELECT 1`` would find it; when it is
readable (the server closed it, or sent a notice), ``SELECT 1`` decides as before. A server
that went away without closing is not seen either way until a statement times out.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True
        return super().is_usable()
