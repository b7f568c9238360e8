"""The package's shape: no import circle, no survey named in the code."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"

# Circles not yet taken apart; any other circle fails the test, and so does one of these
# once it is gone (then take it off the list).
KNOWN_CIRCLES: set[frozenset[str]] = set()  # none left: keep it that way


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` blocks: names imported for type hints
    only, never at run time."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for stmt in node.body
        for inner in ast.walk(stmt)
    }


def import_graph() -> dict[str, set[str]]:
    """Module -> the pipeline modules it imports, at the top or inside a function (not
    those imported for type hints only, under ``if TYPE_CHECKING:``)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hints_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in hints_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
                targets = [f"{node.module}.{a.name}" for a in node.names]
                targets = [t for t in targets if t in modules] or [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("pipeline")]
            graph[name] |= {t for t in targets if t in modules and t not in {name, "pipeline"}}
    for name in graph:  # importing a.b.c first runs the package a.b (its __init__)
        for target in list(graph[name]):
            parts = target.split(".")
            graph[name] |= {
                package
                for package in (".".join(parts[:k]) for k in range(2, len(parts)))
                if package in graph and package != name and not name.startswith(package + ".")
            }
    return graph


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]


def test_a_package_init_is_an_import() -> None:
    """``from pipeline.x.y import f`` runs pipeline/x/__init__.py first: an edge to it."""
    graph = import_graph()
    assert "pipeline.ingest" in graph["pipeline.desk.read"]  # via pipeline.ingest.questionnaire


def test_no_import_circle_in_the_package() -> None:
    found = set(circles(import_graph()))
    assert found - KNOWN_CIRCLES == set(), "new import circle(s)"
    assert KNOWN_CIRCLES - found == set(), "a known circle is gone: take it off KNOWN_CIRCLES"


def test_the_code_names_no_survey() -> None:
    """Survey ids and titles live in surveys/, never in pipeline/ (checked as text)."""
    names = []
    for spec in sorted((ROOT / "surveys").glob("*/survey.yaml")):
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        names += [spec.parent.name, data["title"]]
    hits = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in names
        if name in path.read_text(encoding="utf-8")
    ]
    assert hits == []


def test_run_and_comparison_do_not_import_each_other() -> None:
    """What both need (a round read and analysed in memory) lives in pipeline.rounds."""
    graph = import_graph()
    assert "pipeline.comparison" not in graph["pipeline.run"]
    assert "pipeline.run" not in graph["pipeline.comparison"]
