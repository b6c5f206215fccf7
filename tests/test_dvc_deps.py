"""dvc.lock must capture everything that shaped an output: each stage's deps cover what it reads.

dvc.yaml is expanded like dvc does (``foreach`` over a ``${...}`` reference, a literal list or a
dict; ``${item}``/``${key}`` and other ``${a.b}`` references resolved from params.yaml and inline
``vars``). A path is covered by a dep equal to it or by a dep directory containing it. Each stage
must cover:

* its script: the ``.py`` token after ``python`` in ``cmd`` (``stages/<name>.py``);
* every module of the ``synthdistill`` package the script imports, transitively, found with
  ``ast`` over the whole tree (imports inside functions count; ``if TYPE_CHECKING:`` bodies do
  not run and are skipped); ``from a import b`` imports ``a.b`` when that is a module; importing
  ``a.b.c`` also runs ``a/__init__.py`` and ``a/b/__init__.py``, which are required too; a
  package ``__init__.py`` that discovers its modules (``pkgutil.iter_modules``) imports them all;
* package data directories a required module reads. A data directory is a directory without
  ``__init__.py`` directly inside a package directory (``synthdistill/prompts``); a module reads
  it when one of its string constants (docstrings aside) is its name, has it as a ``/``-separated
  component (``Path(__file__).parent / "prompts"``) or is its dotted name
  (``importlib.resources.files("synthdistill.prompts")``);
* every path argument of ``cmd`` (a token containing ``/`` that does not start with ``-`` or
  ``/``; for ``NAME=PATH`` or ``--flag=PATH`` the part after ``=``) that exists in the repo or lies
  in another stage's outs, unless it is one of the stage's own outs/metrics/plots, lies inside
  one, or is a directory holding one (an output directory such as ``--out-dir``);
* for the stages in ``TASK_DATA_STAGES``, the task's data file, ``tasks.<task>.path`` or
  ``tasks.<task>.data.path`` (``TASK_DATA_KEYS``), when it exists on disk (not a hub name).

A second check: every ``params:`` key of every stage exists in its params file.
"""

from __future__ import annotations

import ast
import itertools
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "synthdistill"
DEFAULT_PARAMS = "params.yaml"
TASK_DATA_STAGES = frozenset({"prepare"})  # stages that read the task's data file
TASK_DATA_KEYS = ("path", "data.path")  # where, under tasks.<task>, that file is named
OUTPUT_KINDS = ("outs", "metrics", "plots")
_INTERPOLATION = re.compile(r"\$\{\s*([^}]+?)\s*\}")


@dataclass(frozen=True)
class Stage:
    """One expanded stage: ``name`` is ``base@key`` for foreach stages."""

    name: str
    base: str
    item: Any
    body: dict[str, Any]


# --- dvc.yaml expansion ---------------------------------------------------------------------


def lookup(data: Any, dotted: str) -> Any:
    """``data["a"]["b"]`` for ``"a.b"`` (list items by index); KeyError when absent."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(dotted)
    return node


def has_key(data: Any, dotted: str) -> bool:
    """Whether ``lookup(data, dotted)`` succeeds."""
    try:
        lookup(data, dotted)
    except KeyError:
        return False
    return True


def interpolate(value: Any, context: Mapping[str, Any]) -> Any:
    """Resolve ``${...}`` in every string of ``value``; a whole-string reference keeps its type."""
    if isinstance(value, str):
        whole = _INTERPOLATION.fullmatch(value)
        if whole:
            return lookup(context, whole.group(1))
        return _INTERPOLATION.sub(lambda m: str(lookup(context, m.group(1))), value)
    if isinstance(value, list):
        return [interpolate(v, context) for v in value]
    if isinstance(value, Mapping):
        return {interpolate(k, context): interpolate(v, context) for k, v in value.items()}
    return value


def base_context(dvc: Mapping[str, Any], root: Path, where: Path | None = None) -> dict[str, Any]:
    """Variables for ``${...}``: params.yaml, then dvc.yaml ``vars`` (inline dicts or files,
    relative to the dvc.yaml's folder ``where``; ``file:key`` takes one key)."""
    where = where or root
    context: dict[str, Any] = (
        dict(load_yaml(where / DEFAULT_PARAMS)) if (where / DEFAULT_PARAMS).is_file() else {}
    )
    for entry in dvc.get("vars") or []:
        if isinstance(entry, Mapping):
            context.update(entry)
            continue
        file, _, key = str(entry).partition(":")
        if (where / file).is_file():
            data = load_yaml(where / file)
            context.update({key: lookup(data, key)} if key else data)
    return context


def expand_stages(dvc: Mapping[str, Any], context: Mapping[str, Any]) -> list[Stage]:
    """All stages of a dvc.yaml document, foreach expanded and interpolated."""
    stages: list[Stage] = []
    for base, body in (dvc.get("stages") or {}).items():
        if "matrix" in body:  # the cartesian product, named base@v1-v2 like dvc does
            axes = {name: interpolate(values, context) for name, values in body["matrix"].items()}
            template = {k: v for k, v in body.items() if k != "matrix"}
            for combo in itertools.product(*axes.values()):
                item = dict(zip(axes, combo, strict=True))
                key = "-".join(str(v) for v in combo)
                ctx = {**context, "item": item}
                stages.append(Stage(f"{base}@{key}", base, item, interpolate(template, ctx)))
            continue
        if "foreach" not in body:
            stages.append(Stage(base, base, None, interpolate(body, context)))
            continue
        items = interpolate(body["foreach"], context)
        if isinstance(items, Mapping):
            pairs = [(str(k), v) for k, v in items.items()]
        else:
            pairs = [
                (str(i) if isinstance(i, str | int | float) else str(n), i)
                for n, i in enumerate(items)
            ]
        for key, item in pairs:
            ctx = {**context, "item": item, "key": key}
            stages.append(Stage(f"{base}@{key}", base, item, interpolate(body["do"], ctx)))
    return stages


def norm(path: str) -> str:
    """A repo-relative path without ``./`` or a trailing ``/``."""
    return posixpath.normpath(path.strip())


def entry_paths(entries: Iterable[Any] | None) -> list[str]:
    """Paths of a deps/outs/metrics/plots list, whose items are ``path`` or ``{path: options}``."""
    paths: list[str] = []
    for entry in entries or []:
        paths.extend(entry.keys() if isinstance(entry, Mapping) else [entry])
    return [norm(str(p)) for p in paths]


def output_paths(body: Mapping[str, Any]) -> set[str]:
    """A stage's outs, metrics and plots."""
    return {p for kind in OUTPUT_KINDS for p in entry_paths(body.get(kind))}


# --- imports ----------------------------------------------------------------------------------


@cache
def parse(path: Path) -> ast.Module:
    """The AST of a Python file (cached)."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def load_yaml(path: Path) -> Any:
    """A YAML file's content (cached)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def module_file(root: Path, module: str) -> Path | None:
    """``root/a/b.py`` or ``root/a/b/__init__.py`` for module ``a.b``; None if neither exists."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.parent / f"{base.name}.py", base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def dotted_name(root: Path, path: Path) -> str:
    """The dotted name of a module file or directory under ``root``."""
    parts = list(path.relative_to(root).parts)
    if parts[-1] == "__init__.py":
        parts.pop()
    elif parts[-1].endswith(".py"):
        parts[-1] = parts[-1][: -len(".py")]
    return ".".join(parts)


def with_parents(module: str) -> set[str]:
    """``a.b.c`` -> ``{a, a.b, a.b.c}``: importing a module runs its parent packages."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportCollector(ast.NodeVisitor):
    """Collects ``(module, imported names)`` of every import statement, at any depth."""

    def __init__(self, package: str | None) -> None:
        self.package = package  # the package relative imports start from; None: not in one
        self.found: list[tuple[str, list[str]]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, []) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = [alias.name for alias in node.names if alias.name != "*"]
        if not node.level:
            self.found.append((node.module or "", names))
            return
        if self.package is None:
            return
        parts = self.package.split(".")
        if node.level - 1 >= len(parts):
            return
        base = parts[: len(parts) - (node.level - 1)] + ([node.module] if node.module else [])
        self.found.append((".".join(base), names))


def direct_imports(root: Path, path: Path, package: str) -> set[str]:
    """Modules of ``package`` (and their parent packages) that the file ``path`` imports."""
    in_package = (path.parent / "__init__.py").is_file() and path.parent.is_relative_to(root)
    collector = _ImportCollector(dotted_name(root, path.parent) if in_package else None)
    collector.visit(parse(path))
    modules: set[str] = set()
    for base, names in collector.found:
        for module in (base, *(f"{base}.{name}" for name in names)):
            if module.split(".")[0] == package and module_file(root, module) is not None:
                modules |= with_parents(module)
    if path.name == "__init__.py" and discovers_modules(path):
        here = dotted_name(root, path)
        modules |= {f"{here}.{child.stem}" for child in path.parent.glob("*.py")}
        modules.discard(f"{here}.__init__")
    return modules


def discovers_modules(path: Path) -> bool:
    """Whether a package's ``__init__.py`` imports its modules by discovery
    (``pkgutil.iter_modules(__path__)``, as the method registry does): all of them run."""
    return any(
        isinstance(node, ast.Attribute) and node.attr == "iter_modules"
        for node in ast.walk(parse(path))
    )


def transitive_imports(root: Path, entry: Path, package: str) -> set[str]:
    """Every module of ``package`` that running ``entry`` may import."""
    seen: set[str] = set()
    todo = sorted(direct_imports(root, entry, package))
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        file = module_file(root, module)
        assert file is not None, module
        todo.extend(direct_imports(root, file, package) - seen)
    return seen


def package_data_dirs(root: Path, package: str) -> list[Path]:
    """Directories without ``__init__.py`` directly inside a package directory of ``package``."""
    dirs: list[Path] = []
    for init in sorted((root / package).rglob("__init__.py")):
        for child in sorted(init.parent.iterdir()):
            if (
                child.is_dir()
                and not child.name.startswith((".", "__"))
                and not (child / "__init__.py").exists()
            ):
                dirs.append(child)
    return dirs


def string_constants(tree: ast.AST) -> Iterator[str]:
    """String constants of a module, docstrings left out."""
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.value


def data_dirs_used(root: Path, path: Path, data_dirs: Iterable[Path]) -> set[Path]:
    """The package data directories that the module ``path`` names in a string constant."""
    strings = set(string_constants(parse(path)))
    used: set[Path] = set()
    for folder in data_dirs:
        dotted = ".".join(folder.relative_to(root).parts)
        if any(s == dotted or folder.name in s.strip().split("/") for s in strings):
            used.add(folder)
    return used


def code_requirements(root: Path, script: Path, package: str) -> set[str]:
    """Repo-relative files and data directories that running ``script`` reads as code or data."""
    files = {script} | {module_file(root, m) for m in transitive_imports(root, script, package)}
    code = {f for f in files if f is not None}
    data_dirs = package_data_dirs(root, package)
    folders = set().union(*(data_dirs_used(root, f, data_dirs) for f in code))
    return {p.relative_to(root).as_posix() for p in code | folders}


# --- cmd arguments and coverage ---------------------------------------------------------------


def cmd_tokens(cmd: str | list[str]) -> list[str]:
    """Shell tokens of a stage's cmd (one command or a list of them)."""
    commands = [cmd] if isinstance(cmd, str) else list(cmd)
    return [token for command in commands for token in shlex.split(command)]


def stage_script(tokens: list[str]) -> str | None:
    """The ``.py`` script that ``python`` runs in a cmd, skipping interpreter flags."""
    for i, token in enumerate(tokens):
        if not Path(token).name.startswith("python"):
            continue
        rest = [t for t in tokens[i + 1 :] if not t.startswith("-")]
        if rest and rest[0].endswith(".py"):
            return norm(rest[0])
    return None


def path_args(tokens: Iterable[str]) -> list[str]:
    """Tokens that look like repo-relative paths (``NAME=PATH``/``--flag=PATH``: the PATH)."""
    paths: list[str] = []
    for token in tokens:
        if "=" in token:
            token = token.split("=", 1)[1]
        elif token.startswith("-"):
            continue
        if "/" in token and not token.startswith(("-", "/")) and "://" not in token:
            paths.append(norm(token))
    return paths


def covers(dep: str, path: str) -> bool:
    """Whether the dep ``dep`` (a file or directory) covers ``path``."""
    return dep in (".", path) or path.startswith(dep + "/")


def missing_deps(required: Iterable[str], deps: Iterable[str]) -> list[str]:
    """The required paths that no dep covers, sorted."""
    dep_list = [norm(d) for d in deps]
    return sorted({p for p in required if not any(covers(d, p) for d in dep_list)})


def data_inputs(
    tokens: Iterable[str], own_outputs: set[str], other_outputs: set[str], root: Path
) -> set[str]:
    """cmd paths that exist in the repo or are other stages' outputs, minus this stage's own."""
    inputs: set[str] = set()
    for path in path_args(tokens):
        if any(covers(o, path) or covers(path, o) for o in own_outputs):
            continue
        if (root / path).exists() or any(covers(o, path) for o in other_outputs):
            inputs.add(path)
    return inputs


def task_data_inputs(stage: Stage, params: Mapping[str, Any], root: Path) -> set[str]:
    """``tasks.<task>.path`` (or ``.data.path``) of a task-data stage, when it exists on disk."""
    if stage.base not in TASK_DATA_STAGES or not isinstance(stage.item, str):
        return set()
    paths: set[str] = set()
    for key in (f"tasks.{stage.item}.{k}" for k in TASK_DATA_KEYS):
        path = lookup(params, key) if has_key(params, key) else None
        if isinstance(path, str) and path and (root / path).exists():
            paths.add(norm(path))
    return paths


def stage_problems(
    name: str,
    body: Mapping[str, Any],
    *,
    root: Path,
    package: str,
    other_outputs: set[str],
    extra_inputs: Iterable[str] = (),
    side_outputs: Iterable[str] = (),
) -> list[str]:
    """Problems of one stage: no script found, or required paths its deps do not cover."""
    tokens = cmd_tokens(body.get("cmd", ""))
    script = stage_script(tokens)
    problems: list[str] = []
    required = set(extra_inputs)
    if script is None:
        problems.append(f"{name}: no 'python <script>.py' in cmd")
    elif not (root / script).is_file():
        problems.append(f"{name}: script {script} does not exist")
    else:
        required |= code_requirements(root, root / script, package)
    own = output_paths(body) | {norm(p) for p in side_outputs}
    required |= data_inputs(tokens, own, other_outputs, root)
    missing = missing_deps(required, entry_paths(body.get("deps")))
    if missing:
        problems.append(f"{name}: missing deps: {', '.join(missing)}")
    return problems


def params_problems(name: str, body: Mapping[str, Any], root: Path) -> list[str]:
    """``params:`` keys of a stage that its params file lacks (default file: params.yaml)."""
    wanted: dict[str, list[str]] = {}
    for entry in body.get("params") or []:
        if isinstance(entry, Mapping):
            for file, keys in entry.items():
                wanted.setdefault(str(file), []).extend(str(k) for k in keys or [])
        else:
            wanted.setdefault(DEFAULT_PARAMS, []).append(str(entry))
    problems: list[str] = []
    for file, keys in wanted.items():
        if not (root / file).is_file():
            problems.append(f"{name}: params file {file} does not exist")
            continue
        data = load_yaml(root / file)
        absent = [k for k in keys if not has_key(data, k)]
        if absent:
            problems.append(f"{name}: params not in {file}: {', '.join(absent)}")
    return problems


def pipeline_files(root: Path = REPO) -> list[Path]:
    """The repo's dvc.yaml files: the default pipeline and pipelines/*/dvc.yaml."""
    return [root / "dvc.yaml", *sorted(root.glob("pipelines/*/dvc.yaml"))]


def repo_stages(root: Path = REPO) -> list[Stage]:
    """The expanded stages of every dvc.yaml; a sub-pipeline's stages must run in the
    repo root (``wdir``), so their paths read like the default pipeline's."""
    stages: list[Stage] = []
    for file in pipeline_files(root):
        dvc = load_yaml(file)
        where = file.parent
        prefix = "" if where == root else f"{where.relative_to(root).as_posix()}/dvc.yaml:"
        for stage in expand_stages(dvc, base_context(dvc, root, where)):
            if where != root:
                wdir = (where / str(stage.body.get("wdir", "."))).resolve()
                assert wdir == root.resolve(), f"{file}: {stage.name} must set wdir to the root"
            stages.append(Stage(prefix + stage.name, stage.base, stage.item, stage.body))
    return stages


def side_outputs(root: Path = REPO) -> list[str]:
    """Top-level ``metrics:`` of every dvc.yaml (run-dependent files that stages write but
    dvc.lock does not hash), as root-relative paths."""
    paths: list[str] = []
    for file in pipeline_files(root):
        for entry in entry_paths(load_yaml(file).get("metrics")):
            paths.append(
                norm((file.parent / entry).resolve().relative_to(root.resolve()).as_posix())
            )
    return paths


# --- tests ------------------------------------------------------------------------------------


def test_dvc_deps_cover_code_data_and_inputs() -> None:
    """Every stage's deps cover its script, its imported modules, package data and inputs."""
    stages = repo_stages()
    assert stages, "no stages found in dvc.yaml"
    params = load_yaml(REPO / DEFAULT_PARAMS)
    # top-level `metrics:` (run-dependent files stages write but dvc.lock does not hash)
    side = side_outputs()
    outputs = {stage.name: output_paths(stage.body) for stage in stages}
    problems: list[str] = []
    for stage in stages:
        others = set().union(*(o for n, o in outputs.items() if n != stage.name))
        problems += stage_problems(
            stage.name,
            stage.body,
            root=REPO,
            package=PACKAGE,
            other_outputs=others,
            extra_inputs=task_data_inputs(stage, params, REPO),
            side_outputs=side,
        )
    assert not problems, "dvc.yaml deps miss what shapes the outputs:\n" + "\n".join(problems)


def test_dvc_params_exist() -> None:
    """Every ``params:`` key of every stage exists in its params file (dotted lookup)."""
    stages = repo_stages()
    assert stages, "no stages found in dvc.yaml"
    problems = [p for stage in stages for p in params_problems(stage.name, stage.body, REPO)]
    assert not problems, "dvc.yaml params missing from the params file:\n" + "\n".join(problems)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _toy_repo(root: Path) -> None:
    """pkg: a imports b inside a function; b imports c relatively; c reads pkg/templates."""
    _write(root / "pkg/__init__.py", "")
    _write(root / "pkg/a.py", "def f():\n    from pkg.sub import b\n    return b\n")
    _write(root / "pkg/sub/__init__.py", "")
    _write(root / "pkg/sub/b.py", "from .. import c\nfrom ..c import NAME\n")
    _write(root / "pkg/c.py", 'from pathlib import Path\nD = Path(__file__).parent / "templates"\n')
    _write(root / "pkg/templates/x.txt", "hello")
    _write(root / "pkg/unused.py", "import pkg.a\n")
    _write(root / "pkg/typing_only.py", "")
    _write(
        root / "stages/run.py",
        '"""templates."""\nfrom typing import TYPE_CHECKING\nimport pkg.a\n'
        "if TYPE_CHECKING:\n    import pkg.typing_only\n",
    )
    _write(root / "data/in.txt", "x")


def test_import_walker_finds_transitive_and_function_imports(tmp_path: Path) -> None:
    _toy_repo(tmp_path)
    modules = transitive_imports(tmp_path, tmp_path / "stages/run.py", "pkg")
    assert modules == {"pkg", "pkg.a", "pkg.sub", "pkg.sub.b", "pkg.c"}
    assert code_requirements(tmp_path, tmp_path / "stages/run.py", "pkg") == {
        "stages/run.py",
        "pkg/__init__.py",
        "pkg/a.py",
        "pkg/sub/__init__.py",
        "pkg/sub/b.py",
        "pkg/c.py",
        "pkg/templates",
    }


def test_coverage_checker_reports_missing_deps(tmp_path: Path) -> None:
    _toy_repo(tmp_path)
    body: dict[str, Any] = {
        "cmd": "python stages/run.py --in data/in.txt --model m=models/up --out data/out/x.txt",
        "deps": ["stages/run.py", "pkg/a.py", "pkg/sub/", "data/in.txt"],
        "outs": ["data/out/x.txt"],
    }
    kwargs: dict[str, Any] = {"root": tmp_path, "package": "pkg", "other_outputs": {"models/up"}}
    assert stage_problems("run@t", body, **kwargs, extra_inputs=["data/task.jsonl"]) == [
        "run@t: missing deps: data/task.jsonl, models/up, pkg/__init__.py, pkg/c.py, pkg/templates"
    ]
    body["deps"] = ["stages/run.py", "pkg", "data", "models/up"]
    assert stage_problems("run@t", body, **kwargs, extra_inputs=["data/task.jsonl"]) == []
    assert stage_problems("bad", {"cmd": "echo hi"}, **kwargs) == [
        "bad: no 'python <script>.py' in cmd"
    ]


def test_expansion_and_params_check(tmp_path: Path) -> None:
    _write(tmp_path / "params.yaml", "run_tasks: [a, b]\ntasks: {a: {x: 1}}\nout: res\n")
    dvc = yaml.safe_load(
        "stages:\n"
        "  s:\n"
        "    foreach: ${run_tasks}\n"
        "    do:\n"
        "      cmd: python stages/s.py --out ${out}/${item}\n"
        "      params:\n"
        "        - tasks.${item}\n"
        "        - params.yaml: [out]\n"
        "  lit:\n"
        "    foreach: [z]\n"
        "    do:\n"
        "      cmd: python stages/l.py ${item}\n"
    )
    stages = {s.name: s for s in expand_stages(dvc, base_context(dvc, tmp_path))}
    assert list(stages) == ["s@a", "s@b", "lit@z"]
    assert stages["s@b"].body["cmd"] == "python stages/s.py --out res/b"
    assert params_problems("s@a", stages["s@a"].body, tmp_path) == []
    assert params_problems("s@b", stages["s@b"].body, tmp_path) == [
        "s@b: params not in params.yaml: tasks.b"
    ]


def test_every_top_level_plot_reads_committed_files() -> None:
    """Each plot of dvc.yaml's top-level `plots:` (committed curves, if any) names data
    files that exist in the repository, so `dvc plots show` draws every line it declares."""
    dvc = yaml.safe_load((REPO / "dvc.yaml").read_text())
    missing = [
        f"{name}: {path}"
        for plot in dvc.get("plots") or []
        for name, spec in plot.items()
        for path in spec["y"]
        if not (REPO / path).exists()
    ]
    assert not missing, missing


def test_every_artefacts_knob_is_a_param_of_a_stage() -> None:
    """Each field of params.yaml's ``artefacts`` section (read by generate's extraction or
    preprocess's filters) is a ``params:`` key of some stage, so changing it re-runs what
    it shapes and dvc.lock records it."""
    from synthdistill.params import ArtefactParams

    listed = {
        key
        for stage in repo_stages()
        for key in stage.body.get("params", [])
        if isinstance(key, str) and key.startswith("artefacts.")
    }
    missing = [f for f in ArtefactParams.model_fields if f"artefacts.{f}" not in listed]
    assert not missing, f"artefacts knobs no stage lists in dvc.yaml: {missing}"
