"""Every docs/*.md#anchor a comment or template cites exists, so a citation never dangles."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
SOURCES = ("preciate", "organizations", "keys", "scim", "templates", "static", "tests", "benchmarks")


def anchors(document: Path) -> set[str]:
    text = document.read_text()
    explicit = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    # GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
    headings = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)
    }
    return explicit | headings


def test_every_cited_docs_anchor_exists():
    cited = {
        (f"{path.relative_to(REPO)}", document, anchor)
        for folder in SOURCES
        for path in (REPO / folder).rglob("*")
        if path.suffix in {".py", ".html", ".css", ".js"}
        for document, anchor in CITATION.findall(path.read_text())
    }
    assert cited, "no citation found: the pattern no longer matches how comments cite docs/"
    missing = sorted(
        f"{where} cites docs/{document}#{anchor}"
        for where, document, anchor in cited
        if not (REPO / "docs" / document).is_file() or anchor not in anchors(REPO / "docs" / document)
    )
    assert missing == []
