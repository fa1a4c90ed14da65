"""The shape of the code: no import cycle between the modules of the three packages.

Every module is read with `ast` (nothing is imported) and every import statement in it counts,
wherever it stands: at module level, inside a function (a deferred import still ties the two
modules together), and under `if TYPE_CHECKING:` too. An import only the type checker follows is
still a dependency a reader and mypy must untangle, and "no import circle anywhere in the
packages" leaves no exception for it.

How an import becomes edges of the graph:

- `from a.b import c` is an edge to the module `a.b.c` if that module exists, else to `a.b`
  (a name defined in `a/b.py` or `a/b/__init__.py`). `from . import x` and `from .. import y`
  are resolved against the importing module's package first.
- `import a.b.c` and `from a.b.c import ...` run the packages `a` and `a.b` first, so they are
  edges to those `__init__` modules as well, except to the importing module's own enclosing
  packages: a package's `__init__` importing its submodules is not a cycle, but a submodule
  naming its package (`from lattice_core import Client`, `from . import Name`) is an edge back.
  Under `if TYPE_CHECKING:` nothing runs, so there an import is an edge to the module it names
  only: `hookspecs` naming `billing_portal.rules.FlowType` for a signature depends on
  `rules.py`, not on `billing_portal/__init__.py` (which re-exports `Session`, and so the
  client), because that `__init__` never runs for it. Naming a package itself
  (`from lattice_core import Client`) is an edge to its `__init__` there as anywhere.
- Imports of anything outside the three packages are ignored.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from .conftest import ROOT

SOURCES = [
    ROOT / "lattice_core" / "src" / "lattice_core",
    ROOT / "lattice_transport_requests" / "src" / "lattice_transport_requests",
    ROOT / "lattice_transport_aiohttp" / "src" / "lattice_transport_aiohttp",
]


def modules() -> dict[str, Path]:
    """Every module of the packages by dotted name; a package is named by its `__init__`."""
    found: dict[str, Path] = {}
    for top in SOURCES:
        for path in sorted(top.rglob("*.py")):
            parts = list(path.relative_to(top.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the import statements inside an `if TYPE_CHECKING:` block."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                found.update(id(inner) for inner in ast.walk(statement))
    return found


def _imported(tree: ast.AST, name: str, is_package: bool) -> Iterator[tuple[str, bool]]:
    """Each dotted name the imports in the tree bring in, and whether it is for typing only.

    `from a.b import c` gives `a.b` and `a.b.c`: which of them is a module decides the edge.
    """
    package = name if is_package else name.rpartition(".")[0]
    typing_only = _type_checking_only(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in typing_only
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield base, id(node) in typing_only
            for alias in node.names:
                yield f"{base}.{alias.name}", id(node) in typing_only


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (as described in this file's docstring)."""
    found = modules()
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        own_packages = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        if is_package:
            own_packages.add(name)
        for dotted, typing_only in _imported(tree, name, is_package):
            parts = dotted.split(".")
            for i in range(len(parts) if typing_only else 1, len(parts) + 1):
                target = ".".join(parts[:i])
                if target in found and target not in own_packages:
                    graph[name].add(target)
            # `from pkg import Name` with no module `pkg.Name`: the edge is to `pkg` itself,
            # even when `pkg` is the importer's own package (`from . import Name`).
            if dotted not in found:
                owner = dotted.rpartition(".")[0]
                if owner in found and owner != name and not dotted.startswith(f"{name}."):
                    graph[name].add(owner)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups, key=len, reverse=True)


def a_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One concrete circle through the group's first module (shortest, by breadth-first search)."""
    start = group[0]
    members = set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & members):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "lattice_core.pipeline" in graph["lattice_core.client"]  # from . import pipeline
    assert "lattice_core.errors" in graph["lattice_core.transport"]  # from .errors import ...
    assert "lattice_core.transport" in graph["lattice_transport_requests.transport"]
    # At run time, the packages around the module too (their `__init__` runs first):
    assert "lattice_core" in graph["lattice_transport_requests.transport"]
    assert "lattice_core.client" in graph["lattice_core"]  # __init__ -> its submodules
    # A submodule is not taken to import its own package just by importing a sibling:
    assert "lattice_core" not in graph["lattice_core.client"]
    # Under TYPE_CHECKING, the module named and not the packages around it:
    assert "lattice_core.billing_portal.rules" in graph["lattice_core.hookspecs"]
    assert "lattice_core.billing_portal" not in graph["lattice_core.hookspecs"]


def test_no_import_cycle_inside_the_packages() -> None:
    graph = import_graph()
    groups = strongly_connected(graph)
    report = [
        f"{' -> '.join(a_cycle(graph, group))}  (all of: {', '.join(group)})" for group in groups
    ]
    assert not groups, "import cycles:\n" + "\n".join(report)


def test_a_cycle_is_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    groups = strongly_connected(graph)
    assert groups == [["a", "b", "c"], ["e"]]
    assert a_cycle(graph, groups[0]) == ["a", "b", "c", "a"]
    assert a_cycle(graph, groups[1]) == ["e", "e"]


# -- the architecture page names every module, and only modules that exist ----------------------

_ROOM = re.compile(r"^\| `([a-z_/]+)` \|", re.MULTILINE)


def _module_files() -> set[str]:
    """Every module as the page spells it: `client`, `billing_portal/session`, `testing/__init__`.

    A module of `lattice_core` is named by its path inside the package; a transport's module
    by its package and file (`lattice_transport_requests/transport`).
    """
    names: set[str] = set()
    for top in SOURCES:
        for path in top.rglob("*.py"):
            inside = path.relative_to(top).with_suffix("").as_posix()
            names.add(inside if top.name == "lattice_core" else f"{top.name}/{inside}")
    return names


def test_the_architecture_page_lists_every_module_and_no_other() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    rooms = page.split("## The modules", 1)[1].split("\n## ", 1)[0]
    listed = _ROOM.findall(rooms)
    assert len(listed) == len(set(listed)), "a module is listed twice"
    files = _module_files()
    assert sorted(files - set(listed)) == [], "modules the architecture page does not name"
    assert sorted(set(listed) - files) == [], "the architecture page names modules that are gone"
