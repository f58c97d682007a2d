"""Every link in the portal's templates comes from {% url %}, so a route moves in one place."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# href="/…" or action="/…" written out, rather than {% url %}.
HARD_CODED = re.compile(r"""(?:href|action)\s*=\s*["']/""")


def test_no_template_links_to_a_hard_coded_path():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if HARD_CODED.search(line)
    ]
    assert found == []
