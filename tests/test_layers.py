"""The library's parts import each other without loops, and none hides a loop in a function.

A *unit* is a top-level part of ``synthdistill``: a folder (``teachers``, ``students``,
``lm``, ``methods``, ``metrics``...) or a module (``assets``, ``params``...). An import
inside a function that reaches another unit is how a loop between units gets hidden
(``teachers`` importing ``students`` in a function while ``students`` imports
``teachers`` at the top); such an import is allowed only on :data:`DEFERRED`, with the
reason (a heavy import such as torch that the importer's other callers must not pay for).
With function-level imports counted, the units' import graph has no cycle, and the
causal-LM toolkit (``lm``) reaches neither ``teachers`` nor ``students``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "synthdistill"

# (importing module, imported module) -> why the import waits until the function runs
DEFERRED: dict[tuple[str, str], str] = {
    ("synthdistill.cli", "synthdistill.predict"): (
        "predict loads the students (torch, ~6 s); init, check, report, replay must not"
    ),
    ("synthdistill.cli", "synthdistill.export_model"): (
        "export loads the students and the ONNX exporter (torch, onnx); the other commands must not"
    ),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit(module: str) -> str:
    """``synthdistill.teachers.llamacpp`` -> ``teachers``; the package itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> Iterator[str]:
    """The ``synthdistill`` modules an import statement loads (``from a import b``: ``a.b``
    when that is a module, else ``a``)."""
    if isinstance(node, ast.Import):
        yield from (a.name for a in node.names if a.name.split(".")[0] == "synthdistill")
        return
    if node.level or not node.module or node.module.split(".")[0] != "synthdistill":
        return
    for alias in node.names:
        sub = f"{node.module}.{alias.name}"
        yield sub if sub in known else node.module


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: dict[str, Path]) -> Iterator[tuple[str, bool, int]]:
    """``(imported module, inside a function, line)`` for every import of ``path``
    (``if TYPE_CHECKING:`` bodies do not run and are skipped)."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[str, bool, int]]:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(child, known):
                    yield target, in_function, child.lineno
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from walk(child, in_function or function)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


def unit_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    """unit -> the other units it imports (function-level imports count)."""
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        for target, _, _ in imports(path, known):
            if unit(target) != unit(module) and unit(target):
                graph.setdefault(unit(module), set()).add(unit(target))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its nodes, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_function_level_import_crosses_units_unless_deferred_on_purpose() -> None:
    known = modules()
    crossing: set[str] = set()
    for module, path in known.items():
        for target, in_function, line in imports(path, known):
            if in_function and unit(target) != unit(module) and (module, target) not in DEFERRED:
                crossing.add(f"{path.relative_to(REPO)}:{line}: imports {target}")
    assert not crossing, (
        "imports inside functions across library units (move them to the top, or list a "
        "cost reason in DEFERRED):\n" + "\n".join(sorted(crossing))
    )


def test_deferred_imports_still_exist() -> None:
    known = modules()
    present = {
        (module, target)
        for module, path in known.items()
        for target, in_function, _ in imports(path, known)
        if in_function
    }
    assert not set(DEFERRED) - present, f"stale DEFERRED entries: {set(DEFERRED) - present}"


def test_units_import_each_other_without_a_cycle() -> None:
    cycle = find_cycle(unit_graph(modules()))
    assert cycle is None, "import cycle between library units: " + " -> ".join(cycle or [])


def test_the_lm_toolkit_reaches_neither_teachers_nor_students() -> None:
    graph = unit_graph(modules())
    seen: set[str] = set()
    todo = ["lm"]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    assert not seen & {"teachers", "students"}, sorted(seen)


def test_the_checks_see_a_hidden_loop(tmp_path: Path) -> None:
    """The walker finds a function-level import (as the teachers/students loop was) and the
    cycle it closes."""
    source = "import os\n\ndef f():\n    from synthdistill.students.lm import load_lm\n"
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    known = {"synthdistill.students.lm": tmp_path / "m.py"}
    assert list(imports(tmp_path / "m.py", known)) == [("synthdistill.students.lm", True, 4)]
    assert find_cycle({"teachers": {"students"}, "students": {"lm", "teachers"}}) == [
        "students",
        "teachers",
        "students",
    ]
    assert find_cycle({"teachers": {"lm"}, "students": {"lm"}}) is None
