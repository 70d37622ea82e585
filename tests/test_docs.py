"""The README stays a map and the pages of docs/ stay linked: every relative link in README.md
and docs/*.md reaches a file that exists, and a heading of it when the link names one; every
page of docs/ is reachable from the README.

Anchors are GitHub's: a heading's text in lower case, without punctuation, spaces as hyphens,
a repeated heading numbered -1, -2, ...
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MOST_LINES = 200

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
EXTERNAL = ("http://", "https://", "mailto:")


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def without_code_blocks(text: str) -> str:
    return FENCE.sub("", text)


def links(path: Path) -> list[str]:
    """The link targets of a page, as written, outside code blocks and code spans."""
    text = CODE_SPAN.sub("", without_code_blocks(path.read_text()))
    return LINK.findall(text)


def relative_links(path: Path) -> list[str]:
    return [target for target in links(path) if not target.startswith(EXTERNAL)]


def slug(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for heading in HEADING.findall(without_code_blocks(path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, *, root: Path = ROOT) -> list[str]:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_file():
            broken.append(f"{target}: no file {linked.relative_to(root)}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(root)}")
    return broken


def test_the_readme_is_a_map_of_at_most_200_lines():
    assert len(README.read_text().splitlines()) <= README_MOST_LINES


def test_every_relative_link_of_the_readme_and_the_docs_reaches_a_file_and_its_heading():
    broken = {
        str(path.relative_to(ROOT)): found for path in pages() if (found := broken_links(path))
    }
    assert broken == {}


def test_every_docs_page_is_linked_from_the_readme():
    linked = {
        (ROOT / target.partition("#")[0]).resolve()
        for target in relative_links(README)
        if target.partition("#")[0]
    }
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert unlinked == []


def test_docs_holds_pages_and_the_readme_links_to_them():
    assert len(list(DOCS.glob("*.md"))) >= 1
    assert len(relative_links(README)) >= 1


def test_anchors_follow_githubs_rule_for_punctuation_code_and_repeats(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# Full TimescaleDB: `docker compose up`\n\n"
        "## Where KIS's field names come from\n\n"
        "## Notes\n\n## Notes\n\n"
        "```sh\n# not a heading\n```\n"
    )
    assert anchors(page) == {
        "full-timescaledb-docker-compose-up",
        "where-kiss-field-names-come-from",
        "notes",
        "notes-1",
    }


def test_a_link_to_a_missing_file_or_heading_is_reported(tmp_path):
    (tmp_path / "there.md").write_text("# Here\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md#here) [no file](gone.md) [no heading](there.md#elsewhere) "
        "[own](#top) [web](https://example.com/x) `[in code](gone.md)`\n\n# Top\n"
    )
    assert [target for target in relative_links(page)] == [
        "there.md#here",
        "gone.md",
        "there.md#elsewhere",
        "#top",
    ]
    assert [entry.split(":")[0] for entry in broken_links(page, root=tmp_path)] == [
        "gone.md",
        "there.md#elsewhere",
    ]
