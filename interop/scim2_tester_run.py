"""Run scim2-tester against a SCIM base URL with a bearer key; print each check, exit 1 on any failure.

Runs in the interop venv (requirements-interop.txt), never in the app's.
Usage: python interop/scim2_tester_run.py BASE_URL KEY
"""

import sys
from collections import Counter

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILED = {Status.ERROR, Status.CRITICAL}


def main(base_url: str, key: str) -> int:
    http = Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client, resource_types=["User", "Group"])
    counts: Counter[str] = Counter()
    for result in results:
        counts[result.status.name] += 1
        line = f"{result.status.name:<10} {result.resource_type or '-':<5} {result.title}"
        if result.reason and result.status not in (Status.SUCCESS,):
            line += f": {result.reason}"
        print(line)
        if result.status in FAILED and result.data is not None:
            print(f"           data: {str(result.data)[:2000]}")
    failed = sum(counts[s.name] for s in FAILED)
    print(f"scim2-tester: {len(results)} checks, " + ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
