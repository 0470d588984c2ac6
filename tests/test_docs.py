"""Documentation that cannot rot silently: README.md and docs/*.md checked against the code.

What the pages show as code (inline spans and fenced blocks) is read as shell commands, and checked:
- every `make TARGET` is a target of the Makefile;
- every `datenmt SUBCOMMAND --flag ...` names a subcommand whose `--help` exits 0 and lists each flag;
- every `python -m MODULE [SUBCOMMAND] --flag ...` runs `--help` (the subcommand's, if one is shown) with exit
  code 0 and lists each flag;
- every path of the repository named in code (`models/export.py`, `models/export.py: SYMBOL`) exists, and
  the symbol appears in that file;
and every relative link points to a file that exists (and to a heading of it, for a `#fragment`).

Each module's `--help` runs once, all of a module's in one interpreter (runpy, as `python -m` runs a module),
so the heavy imports (TensorFlow, TFX) are paid once per module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DATENMT_MODULE = "serving.cli"  # what the `datenmt` script runs (pyproject.toml, [project.scripts])
# Modules the pages name that take no --help, and why; for these, the module must exist and no flag be shown.
NO_HELP = {
    "kubeflow.entrypoint": "a container's entry point: KFP runs it with TFX's arguments",
}
# Top-level folders of the repository: a code span starting with one of them names a file or folder of it.
REPOSITORY_FOLDERS = ("benchmarks", "components", "data_gen", "docs", "kubeflow", "models", "pipeline",
                      "reporting", "schemas", "scripts", "serving", "tests")
NOT_SHELL = {"python", "yaml", "json"}  # fenced blocks in these languages hold no commands


class Command(NamedTuple):
    """A command shown on a page: the program (make, datenmt, python -m MODULE) and its arguments."""

    page: str
    program: str  # "make", "datenmt" or a module name
    args: tuple[str, ...]

    def __str__(self) -> str:
        name = self.program if self.program in ("make", "datenmt") else f"python -m {self.program}"
        return f"{self.page}: {' '.join((name, *self.args))}"

    @property
    def flags(self) -> list[str]:
        """The --flags shown (`--flag=value` and `[--flag` count as `--flag`)."""
        found = (re.match(r"\[?(--[a-z][a-z0-9-]*)", a) for a in self.args)
        return [m.group(1) for m in found if m]

    @property
    def positionals(self) -> list[str]:
        return [a for a in self.args if not a.startswith(("-", "[", "<", ">")) and a not in ("<", ">")]


# --- reading the pages ---------------------------------------------------------------------------------

FENCE = re.compile(r"^[ \t]*```([\w-]*)[^\n]*\n(.*?)^[ \t]*```", re.S | re.M)  # also indented, in lists
SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
SHELL_SEPARATORS = re.compile(r"\s(?:&&|\|\||;|\|)\s")


def relative(page: Path) -> str:
    return str(page.relative_to(ROOT))


def code_texts(markdown: str) -> tuple[list[str], list[str]]:
    """(the shell lines of fenced blocks, continuation lines joined; the inline code spans outside them)."""
    lines = []
    for language, body in FENCE.findall(markdown):
        if language not in NOT_SHELL:
            lines += body.replace("\\\n", " ").splitlines()
    return lines, SPAN.findall(FENCE.sub("", markdown))


def words(line: str) -> list[str]:
    """A shell line's words (comments dropped); plain splitting where shlex cannot parse it."""
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split()


def command_of(page: str, line: str) -> Command | None:
    """The make, datenmt or python -m command a shell line (one of its `&&`/`|`/`;` parts) runs, or None."""
    tokens = words(line)
    while tokens and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", tokens[0]):  # VAR=value before a command
        tokens = tokens[1:]
    if not tokens:
        return None
    program = os.path.basename(tokens[0])
    if program == "make" and len(tokens) > 1:
        return Command(page, "make", tuple(tokens[1:]))
    if program == "datenmt" and len(tokens) > 1:  # a bare `datenmt` is the command's name
        return Command(page, "datenmt", tuple(tokens[1:]))
    if re.fullmatch(r"python(3(\.\d+)?)?", program) and len(tokens) > 2 and tokens[1] == "-m":
        return Command(page, tokens[2], tuple(tokens[3:]))
    return None


def page_commands(page: Path) -> list[Command]:
    lines, spans = code_texts(page.read_text(encoding="utf-8"))
    parts = [part for text in lines + spans for part in SHELL_SEPARATORS.split(text)]
    return [c for c in (command_of(relative(page), part) for part in parts) if c is not None]


COMMANDS = [c for page in PAGES for c in page_commands(page)]
MAKE_COMMANDS = [c for c in COMMANDS if c.program == "make"]
DATENMT_COMMANDS = [c for c in COMMANDS if c.program == "datenmt"]
MODULE_COMMANDS = [c for c in COMMANDS if c.program not in ("make", "datenmt")]


def links() -> list[tuple[str, str]]:
    """(page, target) of every relative link and image on the pages."""
    found = []
    for page in PAGES:
        for target in LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
            if not re.match(r"[a-z][a-z0-9+.-]*:", target):  # not http:, https:, mailto:
                found.append((relative(page), target))
    return found


def repository_paths() -> list[tuple[str, str, str | None]]:
    """(page, path, symbol or None) of every code span naming a path of the repository, such as
    `models/export.py` or `pipeline/configs.py: Settings`: a file with an extension, or a folder written
    with a trailing slash (so `kubeflow/pipelines`, a GitHub repository, is not taken for one)."""
    pattern = re.compile(rf"((?:{'|'.join(REPOSITORY_FOLDERS)})/(?:[\w./-]*\.\w+|[\w./-]*/))"
                         r"(?::\s*([A-Za-z_][\w.]*))?")
    found = []
    for page in PAGES:
        for span in SPAN.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
            match = pattern.fullmatch(span.strip())
            if match:
                found.append((relative(page), match.group(1), match.group(2)))
    return found


def heading_anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {t for t in re.findall(r"^([A-Za-z0-9_-]+)\s*:(?!=)", text, re.M)}


# --- running --help ---------------------------------------------------------------------------------------

# Runs `python -m MODULE ARGS...` for each ARGS in one interpreter and writes [exit code, stdout] per run.
HELP_RUNNER = """
import contextlib, io, json, runpy, sys
module, argvs, out_file = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
results = []
for argv in argvs:
    sys.argv, out, code = [module, *argv], io.StringIO(), 0
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception as e:  # no such module, or it fails: that command's test says so
            code = f"{type(e).__name__}: {e}"
    results.append([code, out.getvalue()])
with open(out_file, "w") as f:
    json.dump(results, f)
"""


def run_helps(module: str, argvs: list[tuple[str, ...]]) -> dict[tuple[str, ...], tuple[int, str]]:
    """argv -> (exit code, output) of `python -m module *argv`, all in one interpreter."""
    env = {**os.environ, "COLUMNS": "1000", "TF_CPP_MIN_LOG_LEVEL": "3"}  # no wrapped flags in help texts
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "helps.json")
        done = subprocess.run([sys.executable, "-c", HELP_RUNNER, module, json.dumps(argvs), out_file],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        if not os.path.exists(out_file):
            pytest.fail(f"python -m {module} --help did not run: {done.stderr[-2000:]}")
        with open(out_file) as f:
            return {argv: (code, text) for argv, (code, text) in zip(argvs, json.load(f), strict=True)}


def help_argv(command: Command, top_help: str) -> tuple[str, ...]:
    """The --help to check a command against: its subcommand's when the module has subcommands (listed as
    {a,b,...} in its usage) and one is shown, else the module's own."""
    choices = re.search(r"\{([\w,-]+)\}", top_help)
    if choices and command.positionals:
        return (command.positionals[0], "--help")
    return ("--help",)


@pytest.fixture(scope="module")
def helps() -> dict[tuple[str, tuple[str, ...]], tuple[int, str]]:
    """(module, argv) -> (exit code, output) for every --help the pages' commands need, each run once."""
    commands = [c._replace(program=DATENMT_MODULE) for c in DATENMT_COMMANDS]
    commands += [c for c in MODULE_COMMANDS if c.program not in NO_HELP]
    modules = sorted({c.program for c in commands})
    tops = {m: run_helps(m, [("--help",)])[("--help",)] for m in modules}
    needed = {m: sorted({help_argv(c, tops[m][1]) for c in commands if c.program == m} - {("--help",)})
              for m in modules}
    found = {(m, ("--help",)): tops[m] for m in modules}
    for module, argvs in needed.items():
        if argvs:
            found.update({(module, argv): result for argv, result in run_helps(module, argvs).items()})
    return found


def check_command(command: Command, module: str, helps: dict) -> None:
    argv = help_argv(command, helps[(module, ("--help",))][1])
    code, text = helps[(module, argv)]
    assert code == 0, f"{command}: `{' '.join(argv)}` exits {code}"
    missing = [f for f in command.flags if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", text)]
    assert not missing, f"{command}: {missing} not in `{' '.join(argv)}`"


# --- the tests ----------------------------------------------------------------------------------------------


def test_the_pages_show_the_commands_they_are_checked_on():
    """The parsing finds what the README shows (so the checks below are not vacuous)."""
    shown = {(c.program, *c.positionals[:1]) for c in COMMANDS if c.page == "README.md"}
    for expected in [("make", "run"), ("make", "test"), ("datenmt", "translate"), ("kubeflow", "compile")]:
        assert expected in shown, f"README.md shows no {' '.join(expected)} (found {sorted(shown)})"
    assert links() and repository_paths()


@pytest.mark.parametrize("command", MAKE_COMMANDS, ids=str)
def test_make_targets_exist(command: Command):
    targets = makefile_targets()
    assert command.positionals, f"{command}: no target"
    assert command.positionals[0] in targets, f"{command}: no such target in the Makefile ({sorted(targets)})"


@pytest.mark.parametrize("command", DATENMT_COMMANDS, ids=str)
def test_datenmt_subcommands_and_flags_exist(command: Command, helps):
    assert command.positionals, f"{command}: no subcommand"
    check_command(command, DATENMT_MODULE, helps)


@pytest.mark.parametrize("command", MODULE_COMMANDS, ids=str)
def test_python_modules_run_with_the_flags_shown(command: Command, helps):
    if command.program in NO_HELP:
        assert importlib.util.find_spec(command.program), f"{command}: no such module"
        assert not command.flags, f"{command}: {NO_HELP[command.program]}, so its flags cannot be checked"
        return
    check_command(command, command.program, helps)


@pytest.mark.parametrize(("page", "target"), links(), ids=lambda v: v)
def test_relative_links_point_to_files_that_exist(page: str, target: str):
    path, _, fragment = target.partition("#")
    file = (ROOT / page).parent / path if path else ROOT / page
    assert file.exists(), f"{page}: link to {target}, no such file"
    if fragment and file.suffix == ".md":
        assert fragment in heading_anchors(file), f"{page}: link to {target}, no such heading"


@pytest.mark.parametrize(("page", "path", "symbol"), repository_paths(), ids=lambda v: v or "")
def test_paths_named_in_code_exist(page: str, path: str, symbol: str | None):
    file = ROOT / path
    assert file.exists(), f"{page}: `{path}` does not exist"
    if symbol:
        assert file.is_file() and re.search(rf"\b{re.escape(symbol)}\b", file.read_text(encoding="utf-8")), \
            f"{page}: `{path}: {symbol}`: no {symbol} in {path}"
