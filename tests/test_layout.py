"""The layout holds: no module imports another in a circle, none outgrows a sitting, each
package says what it is and where its docs are. The layers themselves are import-linter's
contracts in pyproject.toml, run by `make test` (docs/layout.md)."""

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("qbsite", "trading", "marketdata", "adminkit", "display")
MAX_LINES = 500


def cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.find_modules_directly_imported_by(node)):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def application_modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_module_imports_another_in_a_circle():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_circle(tmp_path, monkeypatch):
    for name, body in {"a": "from loop import b\n", "b": "from loop import a\n"}.items():
        (tmp_path / "loop").mkdir(exist_ok=True)
        (tmp_path / "loop" / f"{name}.py").write_text(body)
    (tmp_path / "loop" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cycles(grimp.build_graph("loop")) == [["loop.a", "loop.b"]]


def test_no_module_is_longer_than_a_sitting():
    long = {
        str(path.relative_to(ROOT)): n
        for path in application_modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_package_says_what_it_is_and_links_its_docs():
    packages = [
        path
        for package in ("marketdata", "trading", "adminkit")
        for path in sorted((ROOT / package).glob("*/__init__.py"))
        if path.parent.name not in ("management", "commands", "migrations", "templatetags")
    ]
    assert packages
    for path in packages:
        text = path.read_text()
        docs = re.findall(r"docs/[a-z-]+\.md", text)
        assert text.startswith('"""'), path
        assert docs, path
        assert all((ROOT / doc).is_file() for doc in docs), (path, docs)
