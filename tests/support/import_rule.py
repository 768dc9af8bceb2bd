"""The dependency rules as code: who may import whom, checked over every import, even indirect ones.

- the domain packages (knowledge, campaigns, surveys) never reach web, channel, CLI or scheduler code;
- the hooks they register with the dialogue never need `bot.dialogue` to run (they import it for type checking only);
- the web app (`bot.web`) never imports the command line (`bot.cli`): shared readers live in `bot.documents`.

Every import statement counts, including those inside functions (lazy imports); only imports under
`if TYPE_CHECKING:` are skipped, because they never run. The walk follows our own modules transitively, so a domain
module that imports a `bot` helper which itself imports `bot.web` is caught with the whole chain.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DOMAIN = ("knowledge", "campaigns", "surveys")
FIRST_PARTY = ("bot", *DOMAIN)
# a name is forbidden when it equals an entry or starts with "entry." ("bot.cli" also covers bot.cli.admin etc.)
FORBIDDEN = (
    "bot.web",
    "bot.channels",
    "bot.cli",
    "bot.scheduler",
    "fastapi",
    "starlette",
    "telegram",
    "wechatpy",
    "apscheduler",
)
PREFIX_FORBIDDEN = ("bot.cli",)  # forbidden as a plain prefix too (bot.cli_* modules of older layouts)


@dataclass(frozen=True)
class Rule:
    """Modules under `sources` must never import (directly or through our own modules) any of `banned`."""

    description: str
    sources: tuple[str, ...]
    banned: tuple[str, ...]


RULES = (
    Rule("domain packages import no web, channel, CLI or scheduler code", DOMAIN, FORBIDDEN),
    Rule("domain hooks need no bot.dialogue at run time (TYPE_CHECKING only)", DOMAIN, ("bot.dialogue",)),
    Rule("the web app imports no command-line code", ("bot.web",), ("bot.cli",)),
)


@dataclass(frozen=True)
class Violation:
    """A chain of imports from a domain module to a forbidden one."""

    chain: tuple[str, ...]
    line: int  # line of the last import in the chain, in the module that makes it

    def __str__(self) -> str:
        return " -> ".join(self.chain) + f" (line {self.line})"


def _under(name: str, entry: str) -> bool:
    return name == entry or name.startswith(entry + ".")


def forbidden(name: str, banned: Iterable[str] = FORBIDDEN) -> bool:
    """Whether importing `name` breaks the rule (by default the domain packages' rule)."""
    entries = tuple(banned)
    if any(_under(name, entry) for entry in entries):
        return True
    return any(name.startswith(entry) for entry in PREFIX_FORBIDDEN if entry in entries)


def module_index(root: Path, packages: Iterable[str] = FIRST_PARTY) -> dict[str, Path]:
    """Every module of our packages under `root`, by dotted name."""
    index: dict[str, Path] = {}
    for package in packages:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            if any(part.startswith(".") or part in {"migrations", "__pycache__"} for part in parts):
                continue
            index[".".join(parts)] = path
    return index


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """All nodes except the bodies of `if TYPE_CHECKING:` blocks (their `else:` branches do run)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.append(node.test)
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported module name, line) for every runtime import statement in a module, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            found.append((base, node.lineno))
            # `from bot import web` imports the module bot.web
            found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*")
    return found


def _with_parents(name: str) -> list[str]:
    """Importing a.b.c runs a/__init__, a/b/__init__ and a/b/c."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def find_violations(root: Path, domain: Iterable[str] = DOMAIN, banned: Iterable[str] = FORBIDDEN) -> list[Violation]:
    """Every source module's shortest import chain to a banned module (one per source module and target).

    `domain` names the source packages or modules (a dotted prefix: "bot.web" covers bot.web.app …).
    """
    index = module_index(root)
    edges: dict[str, list[tuple[str, int]]] = {}
    banned = tuple(banned)

    def edges_of(module: str) -> list[tuple[str, int]]:
        if module not in edges:
            edges[module] = imports_of(module, index[module])
        return edges[module]

    sources = tuple(domain)
    violations: list[Violation] = []
    for start in sorted(index):
        if not any(_under(start, source) for source in sources):
            continue
        seen = {start}
        queue: deque[tuple[str, ...]] = deque([(start,)])
        reported: set[str] = set()
        while queue:
            chain = queue.popleft()
            for target, line in edges_of(chain[-1]):
                if forbidden(target, banned):
                    if target not in reported:
                        reported.add(target)
                        violations.append(Violation((*chain, target), line))
                    continue
                for module in _with_parents(target):
                    if module in index and module not in seen:
                        seen.add(module)
                        queue.append((*chain, module))
    return violations


def check_all(root: Path, rules: Iterable[Rule] = RULES) -> dict[str, list[Violation]]:
    """The violations of every rule, by rule description (empty lists when the tree keeps them all)."""
    return {rule.description: find_violations(root, rule.sources, rule.banned) for rule in rules}
