"""The import graph of the ``pipelines`` package: its depth, its cycles, and what the layers may import.

    python -m tests.tools.import_graph            # from the project root
    python -m tests.tools.import_graph --edges    # also every edge

Reads the source with ``ast`` (nothing is imported). An edge A -> B means module A imports module B of the
package, at module level or inside a function (a deferred import is still a dependency: a cycle through one only
waits for the first call); imports under ``if TYPE_CHECKING:`` are not edges. Importing ``a.b.c`` also runs the
``__init__`` of ``a.b``: that is an edge only when that ``__init__`` itself imports something of the package.

Exits 1 when the graph has a cycle, or when the lower layer (``pipelines.engine``) imports the domains
(``pipelines.defs``) or anything above them (definitions, cli, runner, query, __main__). Imports inside
functions are listed; each should carry a comment naming the slow import it defers (``--strict`` fails on one
without a comment on its line or the line above).
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "pipelines"
ENGINE = "pipelines.engine"
ABOVE_ENGINE = (
    "pipelines.defs",
    "pipelines.definitions",
    "pipelines.cli",
    "pipelines.runner",
    "pipelines.query",
    "pipelines.__main__",
)


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    imports: dict[str, int] = field(default_factory=dict)  # imported module -> first line
    deferred: list[tuple[int, str, bool]] = field(default_factory=list)  # (line, module, has a comment)


def discover(root: Path) -> dict[str, Module]:
    modules = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = Module(name, path, is_package)
    return modules


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module):
    """(node, inside a function) for every import statement, skipping ``if TYPE_CHECKING:`` blocks."""
    stack = [(node, False) for node in reversed(tree.body)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node.test):
            stack.extend((n, in_function) for n in reversed(node.orelse))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, in_function
            continue
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        stack.extend((child, inner) for child in reversed(list(ast.iter_child_nodes(node))))


def _targets(node: ast.Import | ast.ImportFrom, module: Module, modules: dict[str, Module]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.name if module.is_package else module.name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
    # `from pkg import submodule` depends on the submodule; the package itself only for names it defines
    # (its __init__ runs first either way, which build_graph adds for packages that import anything)
    return submodules if len(submodules) == len(node.names) else [base, *submodules]


def _commented(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it stands in."""
    if "#" in lines[lineno - 1]:
        return True
    for line in reversed(lines[: lineno - 1]):
        stripped = line.strip()
        if stripped.startswith("#"):
            return True
        if not stripped.startswith(("from ", "import ")):
            return False
    return False


def build_graph(root: Path) -> dict[str, Module]:
    modules = discover(root)
    imports_package = {}
    parsed = {}
    for module in modules.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"), str(module.path))
        parsed[module.name] = tree
    for name, module in modules.items():
        lines = module.path.read_text(encoding="utf-8").splitlines()
        for node, in_function in _imports(parsed[name]):
            for target in _targets(node, module, modules):
                if target != PACKAGE and not target.startswith(PACKAGE + "."):
                    continue
                while target not in modules and "." in target:  # `from a.b import name`: the module a.b
                    target = target.rpartition(".")[0]
                if target == name:
                    continue
                module.imports.setdefault(target, node.lineno)
                if in_function:
                    module.deferred.append((node.lineno, target, _commented(lines, node.lineno)))
        imports_package[name] = bool(module.imports)
    # Importing a.b.c runs a.b's __init__ first: an edge when that __init__ imports the package itself.
    for name, module in modules.items():
        for target in list(module.imports):
            parent = target.rpartition(".")[0]
            while parent and parent != PACKAGE:
                if imports_package.get(parent) and parent != name and not name.startswith(parent + "."):
                    module.imports.setdefault(parent, module.imports[target])
                parent = parent.rpartition(".")[0]
    return modules


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(v: str) -> None:
        work = [(v, iter(sorted(modules[v].imports)))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in modules:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(modules[w].imports))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1 or node in modules[node].imports:
                        found.append(sorted(component))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return sorted(found)


def longest_chain(modules: dict[str, Module]) -> list[str]:
    """The longest import chain (the graph must have no cycle): its length is the package's depth."""
    memo: dict[str, list[str]] = {}

    def chain(v: str) -> list[str]:
        if v not in memo:
            best = max((chain(w) for w in modules[v].imports if w in modules), key=len, default=[])
            memo[v] = [v, *best]
        return memo[v]

    return max((chain(v) for v in sorted(modules)), key=len, default=[])


def layer_violations(modules: dict[str, Module]) -> list[str]:
    return [
        f"{name} imports {target} (line {line})"
        for name, module in sorted(modules.items())
        if name == ENGINE or name.startswith(ENGINE + ".")
        for target, line in sorted(module.imports.items())
        if any(target == a or target.startswith(a + ".") for a in ABOVE_ENGINE)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.import_graph", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parents[2],
        help="the project root (the folder holding pipelines/)",
    )
    parser.add_argument("--edges", action="store_true", help="print every edge")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail on an import inside a function without a comment naming what it defers",
    )
    args = parser.parse_args(argv)
    modules = build_graph(args.root)
    edges = sum(len(m.imports) for m in modules.values())
    print(f"modules: {len(modules)}, import edges: {edges}")
    if args.edges:
        for name, module in sorted(modules.items()):
            for target in sorted(module.imports):
                print(f"  {name} -> {target}")
    found = cycles(modules)
    if found:
        print(f"cycles: {len(found)}")
        for component in found:
            print("  " + " <-> ".join(component))
    else:
        print("cycles: none")
        chain = longest_chain(modules)
        print(f"depth: {len(chain)} ({' -> '.join(chain)})")
    violations = layer_violations(modules)
    print(f"{ENGINE} importing what is above it: {'none' if not violations else len(violations)}")
    for violation in violations:
        print(f"  {violation}")
    deferred = [
        (name, line, target, commented) for name, m in sorted(modules.items()) for line, target, commented in m.deferred
    ]
    uncommented = [d for d in deferred if not d[3]]
    print(f"imports inside functions: {len(deferred)} ({len(uncommented)} without a comment)")
    for name, line, target, commented in deferred:
        print(f"  {name}:{line} -> {target}{'' if commented else '  (no comment)'}")
    failed = bool(found or violations or (args.strict and uncommented))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
