"""Every fenced code block in README.md and docs/ runs in the suite, or is checked for what it says.

A page runs top to bottom, in document order, as a reader would run it:

* Python blocks (`` ```python ``) are executed in one namespace per page (a module of its own).
  A block whose first line names a file (`# myapp/views.py`; `# tests/test_x.py,
  continued` appends) is written to a scratch directory instead, importable from later
  blocks; the page's `test_*.py` files then run under pytest in a fresh interpreter,
  with the fixtures Lattice installs, and every test in them must pass.
* Shell blocks (`` ```bash ``) run in `bash` (`set -euo pipefail`) from the repository root, with
  this virtual environment first on `PATH`. A command that starts the fake Stripe
  (`lattice-stripe fake-stripe`, `python -m lattice_core.testing`) is started in the
  background on a free port. `pip install` lines (and those in prose) are checked
  against this repository's `pyproject.toml` files instead of the package index. The few
  commands that cannot run here are listed in `SHELL_EXCEPTIONS`, each with its reason
  and a check of what it names.
* An output block (`` ```text title="Output" ``) shows what the block before it printed,
  and is compared with it (`...` matches anything). Any other block (a tree, a message,
  TOML) must have a check in `TEXT_CHECKS`. A new block that is neither run nor checked
  fails its page.

Where an example needs Stripe, it gets the bundled fake, never api.stripe.com:

* `http://127.0.0.1:12111` (the fake's documented address) means the page's fake: the
  one a `fake-stripe` command on the page started, or one served by this test.
* The examples are written for production, so a `Client` or `AsyncClient` made
  without `base_url` is sent to the page's fake (`lattice_core.Client` and
  `AsyncClient` are subclassed for the page's run; they behave the same otherwise).
* Name resolution refuses every host but loopback ones, in this process; subprocesses
  get a proxy that refuses everything but loopback.

Pages that change process-wide state that cannot be undone run in a fresh interpreter
(`ISOLATED`).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import os
import re
import selectors
import shlex
import socket
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import lattice_core
import lattice_core.client
from lattice_core.http import is_loopback_host
from lattice_core.masking import mask
from lattice_core.testing import FakeStripe, LoopbackServer

from .conftest import ROOT, UNMASKED_KEY, UNMASKED_PORTAL_URL

# The modules whose docstrings hold a fenced block: the API reference renders them.
DOCSTRING_PAGES = sorted(
    str(path.relative_to(ROOT))
    for package in ("lattice_core", "lattice_transport_requests", "lattice_transport_aiohttp")
    for path in (ROOT / package / "src").rglob("*.py")
    if "```" in path.read_text()
)
PAGES = [
    "README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md")),
    *DOCSTRING_PAGES,
]
FAKE_ADDRESS = "http://127.0.0.1:12111"  # where the docs say the fake listens
DOCS_KEY = "sk_test_YOUR_KEY"  # STRIPE_API_KEY while a page runs: what the docs tell users to set
VENV_BIN = str(Path(sys.executable).parent)
# The page's tests run with the plugins a reader's project would have; hypothesis (a dev tool
# of this repository) only costs a second to import.
NO_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")
ISOLATED = {
    # OpenTelemetry lets a process set its global tracer provider once; the rest of the
    # suite must not inherit it.
    "docs/tracing.md": "sets OpenTelemetry's global tracer provider",
}

# ---------------------------------------------------------------------------------------
# Finding the blocks


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # of the first line inside the fence, 1-based
    lang: str
    info: str  # the rest of the info string, e.g. 'title="Output"'
    text: str

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.text.splitlines() if line.strip()), "")

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_output(self) -> bool:
        return re.search(r'title="output"', self.info, re.IGNORECASE) is not None


_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)\s*(?P<info>.*)$")


def blocks_of(page: str) -> list[Block]:
    """The fenced blocks of a Markdown page (indented ones too, as in admonitions).

    A `.py` page is a module of the packages: its docstrings are Markdown that the
    API reference renders, so their blocks are read the same way.
    """
    if page.endswith(".py"):
        return [
            block
            for first, lines in _docstrings(ROOT / page)
            for block in _blocks_in(lines, page, first)
        ]
    return _blocks_in((ROOT / page).read_text().splitlines(), page, 1)


def _docstrings(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Each docstring of a module, as (line of its first line, its lines)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node)
            if text is not None:
                yield node.body[0].lineno, text.splitlines()


def _blocks_in(lines: list[str], page: str, first: int) -> list[Block]:
    blocks = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        closing = re.compile(
            rf"^ {{0,{len(indent) + 3}}}{re.escape(fence[0])}{{{len(fence)},}}\s*$"
        )
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        assert end < len(lines), f"{page}:{first + i}: a code fence is never closed"
        body = "\n".join(line[len(indent) :] for line in lines[i + 1 : end])
        line = first + i + 1
        blocks.append(Block(page, line, opening["lang"].lower(), opening["info"], body + "\n"))
        i = end + 1
    return blocks


# ---------------------------------------------------------------------------------------
# What cannot run here, and what is checked instead


@dataclass(frozen=True)
class ShellException:
    pattern: str  # matches a whole command, comments left out
    reason: str
    check: Callable[[str], None]  # proves what the command names still exists


def _mentions(path: str, *needles: str) -> Callable[[str], None]:
    def check(command: str) -> None:
        text = (ROOT / path).read_text()
        for needle in needles:
            assert needle in text, f"{path} no longer contains {needle!r}"
        for word in shlex.split(command):
            if word.startswith(("scripts/", "tests/", "bench/")):
                assert (ROOT / word).exists(), f"{word} does not exist"

    return check


SHELL_EXCEPTIONS = (
    ShellException(
        r"bash scripts/demo\.sh",
        "tests/test_demo.py runs the demo, bootstrap included, and checks what it prints",
        _mentions("tests/test_demo.py", '"scripts" / "demo.sh"'),
    ),
    ShellException(
        r"bash scripts/test\.sh( tests/\S+)?",
        "this is the suite itself: it cannot run inside itself",
        _mentions(".ci/run", "bash scripts/test.sh"),
    ),
    ShellException(
        r"LATTICE_RELIABILITY_BREAK=1 bash scripts/test\.sh \S+",
        "breaks the client on purpose so that the load tests fail; the suite runs those tests",
        _mentions("tests/reliability/test_load.py", "LATTICE_RELIABILITY_BREAK"),
    ),
    ShellException(
        r"bash scripts/reliability\.sh",
        "the full-size run takes minutes; its CI-sized run (tests/reliability) is in the suite",
        _mentions("scripts/reliability.sh", "run_full"),
    ),
    ShellException(
        r"\.venv/bin/python bench/run\.py --write docs/performance\.md",
        "takes minutes and rewrites a page; tests/test_bench.py runs bench/run.py with --quick",
        _mentions("tests/test_bench.py", '"run.py"', "--quick"),
    ),
)


def _check_layout(block: Block, run: PageRun) -> None:
    """The README's layout: every path it lists exists."""
    for line in block.text.splitlines():
        if line.strip():
            path = line.split()[0]
            assert (ROOT / path).exists(), f"{block.where}: {path} does not exist"


def _check_error_tree(block: Block, run: PageRun) -> None:
    """The drawn tree is the class tree of lattice_core.errors, every public error in it."""
    from lattice_core import errors

    parents: list[tuple[int, type[BaseException]]] = []
    drawn = set()
    for line in block.text.splitlines():
        found = re.match(r"^(?P<lead>[\s│├└─]*)(?P<name>[A-Z]\w+)\s", line + " ")
        if found is None:
            continue  # a continuation line of a description
        depth, cls = len(found["lead"]), getattr(errors, found["name"])
        if not issubclass(cls, errors.LatticeError):  # drawn beside the tree, e.g. CauseSummary
            assert depth == 0, f"{block.where}: {cls.__name__} is not a LatticeError"
            assert cls.__name__ in errors.__all__, block.where
            continue
        while parents and parents[-1][0] >= depth:
            parents.pop()
        if parents:
            assert cls.__bases__[0] is parents[-1][1], f"{block.where}: {cls.__name__}'s parent"
        parents.append((depth, cls))
        drawn.add(cls.__name__)
    public = {
        name for name in errors.__all__ if issubclass(getattr(errors, name), errors.LatticeError)
    }
    assert drawn == public, (
        f"{block.where}: the tree lacks {public - drawn} or adds {drawn - public}"
    )


def _lattice_error_from(status: int, body: bytes, content_type: str, request_id: str) -> str:
    from lattice_core import Client, StripeError
    from lattice_core.billing_portal import Session
    from lattice_core.http import Response
    from lattice_core.testing import StubTransport

    headers = {"content-type": content_type, "request-id": request_id}
    stub = StubTransport(Response(status, headers, body))
    with Client(DOCS_KEY, transport=stub, max_retries=0) as client:
        try:
            Session.create(client, {"customer": "cus_x"})
        except StripeError as exc:
            return str(exc)
    raise AssertionError("no error")


def _check_missing_customer_message(block: Block, run: PageRun) -> None:
    error = (
        b'{"error": {"type": "invalid_request_error", "message": "No such customer: \'cus_x\'"}}'
    )
    shown = _lattice_error_from(400, error, "application/json", "req_123")
    assert shown == block.text.strip(), f"{block.where}: str(exc) is now {shown!r}"


def _check_html_502_message(block: Block, run: PageRun) -> None:
    html = b"<html><body>Bad gateway</body></html>\n"  # as a proxy's page ends
    shown = _lattice_error_from(502, html, "text/html", "req_abc")
    assert shown == block.text.strip(), f"{block.where}: str(exc) is now {shown!r}"


def _check_entry_point_table(block: Block, run: PageRun) -> None:
    """The TOML parses, names Lattice's entry-point group, and points at module:attribute."""
    from lattice_core.plugins import ENTRY_POINT_GROUP

    table = tomllib.loads(block.text)
    (group,) = table["project"]["entry-points"]
    assert group == ENTRY_POINT_GROUP, block.where
    for value in table["project"]["entry-points"][group].values():
        assert re.fullmatch(r"[\w.]+:\w+", value), f"{block.where}: {value!r}"


def _check_form_example(block: Block, run: PageRun) -> None:
    """The params shown, form-encoded, are the body shown (joined line by line)."""
    from lattice_core.encoding import encode_form

    params, form = block.text.split("\n\n")
    body = "".join(line.strip() for line in form.splitlines())
    assert encode_form(ast.literal_eval(params)).decode() == body, block.where


def _check_hook_diagram(block: Block, run: PageRun) -> None:
    """Each `hook(args)` drawn is a hook spec taking those arguments; together, all of them."""
    from lattice_core import hookspecs

    drawn = run.namespace.setdefault("hooks drawn", set())
    for name, args in re.findall(r"^(\w+)\(([^)]*)\)", block.text, re.M):
        spec = getattr(hookspecs, name)
        assert hasattr(spec, "lattice_spec"), f"{block.where}: {name} is not a hook spec"
        taken = [arg.strip() for arg in args.split(",") if arg.strip()]
        assert taken == list(inspect.signature(spec).parameters), f"{block.where}: {name}"
        drawn.add(name)
    if block.first_line.startswith("before_request"):  # the last diagram: every hook is in one
        specs = {n for n, f in vars(hookspecs).items() if hasattr(f, "lattice_spec")}
        assert drawn == specs, f"{block.where}: the diagrams lack {specs - drawn}"


# (page, first line) -> the check of a block that is not code to run.
TEXT_CHECKS: dict[tuple[str, str], Callable[[Block, PageRun], None]] = {
    (
        "README.md",
        "pyproject.toml                 dev tooling (ruff, mypy, pytest); not a published package",
    ): _check_layout,
    (
        "docs/errors.md",
        "LatticeError                      base of everything below",
    ): _check_error_tree,
    (
        "docs/errors.md",
        "No such customer: 'cus_x' (HTTP 400, request_id=req_123)",
    ): _check_missing_customer_message,
    (
        "docs/errors.md",
        "Stripe returned HTTP 502 with a body that is not JSON (38 bytes): "
        "<html><body>Bad gateway</body></html> (HTTP 502, request_id=req_abc)",
    ): _check_html_502_message,
    ("docs/plugins.md", "[project.entry-points.lattice]"): _check_entry_point_table,
    (
        "lattice_core/src/lattice_core/errors.py",
        "LatticeError                      base of everything below",
    ): _check_error_tree,
    (
        "lattice_core/src/lattice_core/encoding.py",
        '{"flow_data": {"type": "subscription_update_confirm",',
    ): _check_form_example,
    (
        "lattice_core/src/lattice_core/hookspecs.py",
        "register_transports(register)                transports offer themselves by name",
    ): _check_hook_diagram,
    (
        "lattice_core/src/lattice_core/hookspecs.py",
        "before_request(request)                      every attempt, may add headers",
    ): _check_hook_diagram,
}

# ---------------------------------------------------------------------------------------
# pip install: the names must be ours (or installed here), the extras real


def _distributions() -> dict[str, set[str]]:
    """This repository's distributions and their extras, from the pyproject files."""
    found = {}
    for pyproject in ROOT.glob("*/pyproject.toml"):
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        found[canonicalize_name(project["name"])] = set(project.get("optional-dependencies", {}))
    return found


def check_pip_install(words: list[str], where: str) -> None:
    import importlib.metadata

    ours = _distributions()
    assert words, f"{where}: pip install names nothing"
    for word in words:
        assert not word.startswith("-"), f"{where}: pip option {word!r} is not checked here"
        if word.startswith("./"):  # a distribution of this checkout
            assert (ROOT / word / "pyproject.toml").is_file(), f"{where}: {word} is not ours"
            continue
        requirement = Requirement(word)
        name = canonicalize_name(requirement.name)
        if name in ours:
            unknown = requirement.extras - ours[name]
            assert not unknown, f"{where}: {requirement.name} has no extra {sorted(unknown)}"
        else:  # another project's package: the suite runs the docs with it installed
            importlib.metadata.distribution(name)


_PIP = re.compile(r"pip install ((?:[^\s`#]+ ?)+)")


def pip_installs(text: str) -> Iterator[list[str]]:
    for found in _PIP.finditer(text):
        yield shlex.split(found.group(1))


# ---------------------------------------------------------------------------------------
# Stand-ins for the third-party code the examples import


STAND_INS = {
    # FastAPI is not a dependency of this repository: these implement the few names the
    # examples use, with FastAPI's signatures, so the page's app can be driven directly.
    "fastapi/__init__.py": """
from collections.abc import Callable
from typing import Any


class HTTPException(Exception):
    def __init__(self, status_code: int, detail: Any = None, headers: Any = None) -> None:
        super().__init__(status_code, detail)
        self.status_code, self.detail = status_code, detail


def Depends(dependency: Callable[..., Any]) -> Any:
    return dependency


class FastAPI:
    def __init__(self, *, lifespan: Any = None) -> None:
        self.lifespan = lifespan
        self.routes: dict[tuple[str, str], Callable[..., Any]] = {}

    def post(self, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.routes["POST", path] = handler
            return handler

        return register
""",
    "fastapi/responses.py": """
class RedirectResponse:
    def __init__(self, url: str, status_code: int = 307) -> None:
        self.url, self.status_code = url, status_code
""",
    # The user's own authentication, which the examples import from their app.
    "myapp/auth.py": """
class User:
    def __init__(self, stripe_customer_id: str | None = "cus_123") -> None:
        self.stripe_customer_id = stripe_customer_id


def current_user() -> User:
    return User()
""",
}

# ---------------------------------------------------------------------------------------
# Running a page


def _guard_env(env: dict[str, str]) -> dict[str, str]:
    """Subprocesses may reach loopback hosts only: any other goes to a proxy that is not there."""
    for name in ("STRIPE_API_KEY", "STRIPE_API_BASE"):
        env.pop(name, None)
    refuse = "http://127.0.0.1:9"
    for name in ("https_proxy", "http_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
        env[name] = refuse
    for name in ("no_proxy", "NO_PROXY"):
        env[name] = "127.0.0.1,localhost,::1"
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    return env


def _matches(expected: str, actual: str) -> bool:
    """Whether `actual` reads as `expected`, where `...` stands for anything."""

    def tidy(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())

    pattern = ".*?".join(re.escape(part) for part in tidy(expected).split("..."))
    return re.fullmatch(pattern, tidy(actual), re.DOTALL) is not None


@dataclass
class PageRun:
    """One page's run: its namespace, its fake Stripe, the files and processes it made."""

    page: str
    monkeypatch: pytest.MonkeyPatch
    workdir: Path
    stack: contextlib.ExitStack
    fake: FakeStripe = field(default_factory=FakeStripe)
    fake_url: str = ""  # what FAKE_ADDRESS means on this page
    client_defaults: dict[str, Any] = field(default_factory=dict)
    clients: list[Any] = field(default_factory=list)
    namespace: dict[str, Any] = field(default_factory=dict)
    last_output: str | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def files_dir(self) -> Path:
        return self.workdir / "files"

    def start(self) -> None:
        server = self.stack.enter_context(LoopbackServer(self.fake))
        self.fake_url = server.url
        self.client_defaults = {"base_url": server.url}
        self.monkeypatch.setenv("STRIPE_API_KEY", DOCS_KEY)
        self._guard_name_resolution()
        for base in (lattice_core.Client, lattice_core.AsyncClient):
            redirected = self._redirected(base)
            self.monkeypatch.setattr(lattice_core, base.__name__, redirected)
            self.monkeypatch.setattr(lattice_core.client, base.__name__, redirected)
        self.files_dir.mkdir()
        for path, source in STAND_INS.items():
            self._write(path, source)
        self.monkeypatch.syspath_prepend(str(self.files_dir))
        name = "docs_example_" + re.sub(r"\W", "_", self.page.removesuffix(".md"))
        module = types.ModuleType(name)
        module.__file__ = str(ROOT / self.page)
        self.monkeypatch.setitem(sys.modules, name, module)
        self.namespace = module.__dict__
        self.stack.callback(self._forget_file_modules)
        PAGE_SETUP.get(self.page, lambda run: None)(self)

    def _guard_name_resolution(self) -> None:
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is not None and not is_loopback_host(name):
                raise OSError(f"docs examples may reach loopback hosts only, not {name!r}")
            return real(host, *args, **kwargs)

        self.monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def _redirected(self, base: type[Any]) -> type[Any]:
        run = self

        class Redirected(base):  # type: ignore[misc, valid-type]
            def __init__(self, api_key: str, **options: Any) -> None:
                super().__init__(api_key, **{**run.client_defaults, **options})
                run.clients.append(self)

        for attribute in ("__name__", "__qualname__", "__module__", "__doc__"):
            setattr(Redirected, attribute, getattr(base, attribute))
        return Redirected

    def _write(self, path: str, source: str, *, append: bool = False) -> None:
        target = self.files_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a" if append else "w") as out:
            out.write(source)

    def _forget_file_modules(self) -> None:
        tops = {Path(path).parts[0].removesuffix(".py") for path in [*STAND_INS, *self.files]}
        for name in [n for n in sys.modules if n.split(".")[0] in tops]:
            module = sys.modules[name]
            where = getattr(module, "__file__", None) or next(
                iter(getattr(module, "__path__", [])), ""
            )
            if str(where).startswith(str(self.files_dir)):
                del sys.modules[name]

    def substitute(self, text: str) -> str:
        return text.replace(FAKE_ADDRESS, self.fake_url)

    # -- the block kinds

    def run(self, block: Block) -> None:
        if block.lang in ("python", "py"):
            self.run_python(block)
        elif block.lang in ("bash", "sh", "shell", "console"):
            self.run_shell(block)
        elif block.is_output:
            self.compare_output(block)
        else:
            check = TEXT_CHECKS.get((block.page, block.first_line))
            if check is None:
                pytest.fail(
                    f"{block.where}: a ```{block.lang or '(no language)'} block that is neither "
                    "run nor checked: make it python or bash, mark printed output with "
                    'title="Output" after the block that prints it, or add a reasoned check to '
                    "TEXT_CHECKS in tests/test_docs_examples.py",
                    pytrace=False,
                )
            check(block, self)

    def run_python(self, block: Block) -> None:
        marker = re.match(r"# (?P<path>[\w./-]+\.py)(?P<more>, continued)?$", block.first_line)
        source = self.substitute(block.text)
        if marker is not None:
            path = marker["path"]
            assert (path in self.files) == bool(marker["more"]), (
                f"{block.where}: '# {path}, continued' continues a file; a new file has no suffix"
            )
            self.files[path] = self.files.get(path, "") + source
            self._write(path, source, append=bool(marker["more"]))
            return
        code = compile("\n" * (block.line - 1) + source, str(ROOT / block.page), "exec")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            exec(code, self.namespace)  # noqa: S102 - the documentation's own example
        self.last_output = out.getvalue()
        if UNMASKED_KEY.search(self.last_output) or UNMASKED_PORTAL_URL.search(self.last_output):
            pytest.fail(f"{block.where}: the example prints a key or a portal URL", pytrace=False)

    def run_shell(self, block: Block) -> None:
        for line in block.text.splitlines():
            for words in pip_installs(line):
                check_pip_install(words, block.where)
        commands = re.sub(r"\\\n\s*", " ", block.text).splitlines()
        pending: list[str] = []
        outputs: list[str] = []
        for command in commands:
            words = shlex.split(command, comments=True)
            if not words:
                continue
            spoken = " ".join(words)
            exception = next((e for e in SHELL_EXCEPTIONS if re.fullmatch(e.pattern, spoken)), None)
            if exception is not None:
                exception.check(spoken)
            elif words[:2] == ["pip", "install"]:
                pass  # checked above
            elif words[:2] == ["lattice-stripe", "fake-stripe"] or words[:3] == [
                "python",
                "-m",
                "lattice_core.testing",
            ]:
                outputs.append(self._bash(pending, block))
                pending = []
                self._start_fake(words, block)
            else:
                pending.append(self.substitute(command))
        outputs.append(self._bash(pending, block))
        self.last_output = "".join(outputs)

    def _bash(self, commands: list[str], block: Block) -> str:
        if not commands:
            return ""
        script = "set -euo pipefail\n" + "\n".join(commands)
        done = subprocess.run(
            ["bash", "-c", script],  # noqa: S607 - bash from PATH, as a reader runs it
            cwd=ROOT,
            env=_guard_env(dict(os.environ)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            shown = mask(done.stdout[-1500:] + done.stderr[-1500:])
            pytest.fail(f"{block.where}: exit {done.returncode}:\n{shown}", pytrace=False)
        return done.stdout + done.stderr

    def _start_fake(self, words: list[str], block: Block) -> None:
        """A fake-stripe command, started in the background on a free port until the page ends."""
        words = [w for w in words if w != "&"]
        if "--port" in words:
            words[words.index("--port") + 1] = "0"
        else:
            words += ["--port", "0"]
        process = subprocess.Popen(
            words,
            cwd=ROOT,
            env=_guard_env(dict(os.environ)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stack.callback(_stop, process)
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            ready = selector.select(timeout=30)
        banner = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
        assert banner.startswith("fake Stripe listening on http://127.0.0.1:"), (
            f"{block.where}: the fake did not start: {banner!r}"
        )
        self.fake_url = banner.split()[-1]

    def compare_output(self, block: Block) -> None:
        assert self.last_output is not None, f"{block.where}: output shown before any code ran"
        expected = self.substitute(block.text)
        if not _matches(expected, self.last_output):
            shown = mask(self.last_output[-2000:])
            pytest.fail(f"{block.where}: the block before printed:\n{shown}", pytrace=False)

    def finish(self) -> None:
        self._run_test_files()
        PAGE_CHECKS.get(self.page, lambda run: None)(self)
        for client in self.clients:
            if isinstance(client, lattice_core.client.AsyncClient):
                assert client.closed, f"{self.page}: an example leaves an AsyncClient open"
            else:
                client.close()

    def _run_test_files(self) -> None:
        tests = [p for p in self.files if Path(p).name.startswith("test_")]
        if not tests:
            return
        (self.files_dir / "pytest.ini").write_text("[pytest]\n")
        env = _guard_env(dict(os.environ))
        env["PYTHONPATH"] = str(self.files_dir)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-W", "error", *NO_PLUGINS, *tests],
            cwd=self.files_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        wanted = sum(len(re.findall(r"^def test_", self.files[p], re.M)) for p in tests)
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        if done.returncode != 0 or not re.match(rf"{wanted} passed in ", summary):
            shown = mask(done.stdout[-3000:] + done.stderr[-1000:])
            pytest.fail(
                f"{self.page}: its tests ({wanted}) did not all pass:\n{shown}", pytrace=False
            )


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def run_page(page: str, monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    with contextlib.ExitStack() as stack:
        run = PageRun(page, monkeypatch, workdir, stack)
        run.start()
        for block in blocks_of(page):
            run.run(block)
        run.finish()


# ---------------------------------------------------------------------------------------
# What a page's examples must have done, beyond running without an error


def _flows_page(run: PageRun) -> None:
    sent = {session["flow"]["type"] for session in run.fake.sessions if session["flow"]}
    assert sent == {
        "customer_update",
        "payment_method_update",
        "subscription_cancel",
        "subscription_pause",
        "subscription_update",
        "subscription_update_confirm",
    }


def _async_page(run: PageRun) -> None:
    """Drive the FastAPI example: a redirect, and each failure as the status the page claims."""
    from fastapi import HTTPException  # the stand-in
    from myapp.auth import User

    app = run.namespace["app"]
    handler = app.routes["POST", "/billing"]

    async def serve(*users: Any) -> list[tuple[int, str]]:
        answers = []
        async with app.lifespan(app):
            for user in users:
                try:
                    response = await handler(user)
                except HTTPException as exc:
                    answers.append((exc.status_code, exc.detail))
                else:
                    answers.append((response.status_code, response.url))
        return answers

    made, missing, unknown = asyncio.run(serve(User("cus_123"), User(None), User("not_a_customer")))
    assert made == (303, run.fake.sessions[-1]["url"])
    assert missing[0] == 422
    assert missing[1].startswith("customer is required")
    assert unknown[0] == 502
    assert re.fullmatch(r"billing is unavailable \(request req_\w+\)", unknown[1])

    async def no_wait(seconds: float) -> None:
        pass

    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        run.client_defaults = {"base_url": f"http://127.0.0.1:{closed.getsockname()[1]}"}
    run.client_defaults["sleep"] = no_wait
    (unreachable,) = asyncio.run(serve(User("cus_123")))
    assert unreachable == (503, "billing is unreachable; try again in a minute")


def _testing_page(run: PageRun) -> None:
    """The view the page shows is tests/example_app/views.py, which the suite tests too."""
    from .example_app import views

    shown = run.files["myapp/views.py"].split("\n", 1)[1]
    assert shown.strip() in inspect.getsource(views), "docs/testing.md's view differs"


def _table(page: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header row starts with `header`, as cells."""
    lines = (ROOT / page).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _named(cell: str) -> str:
    """The first `name` in a table cell."""
    return re.findall(r"`([\w.]+)`", cell)[0]


@contextlib.contextmanager
def _answering(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Iterator[tuple[str, list[str | None]]]:
    """A server giving every request the same answer; yields its URL and the keys it saw."""
    import json

    keys: list[str | None] = []

    def app(method: str, path: str, seen: Any, content: bytes) -> tuple[int, Any, bytes]:
        keys.append(seen.get("idempotency-key"))
        answer = {"Content-Type": "application/json", "Request-Id": "req_scripted"}
        return status, {**answer, **(headers or {})}, json.dumps(body).encode()

    with LoopbackServer(app) as server:
        yield server.url, keys


@contextlib.contextmanager
def _hanging_up() -> Iterator[tuple[str, list[str | None]]]:
    """A server that reads each request and closes the connection without an answer."""
    import threading

    accepted: list[str | None] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(None)
            with connection:
                connection.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)


def _error(kind: str, body: dict[str, Any] | None = None, **fields: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": "Scripted.", **fields}, **(body or {})}


# The "when" of each row of the page's error table, as a scripted answer: (status, body).
ERROR_ROWS: dict[str, list[tuple[int, dict[str, Any]] | None]] = {
    "Stripe answers 400 or 404": [
        (400, _error("invalid_request_error")),
        (404, _error("invalid_request_error")),
    ],
    "Stripe answers 401": [(401, _error("invalid_request_error"))],
    "Stripe answers 402": [(402, _error("card_error", code="card_declined"))],
    "Stripe answers 403": [(403, _error("invalid_request_error"))],
    "Stripe answers 409": [(409, _error("invalid_request_error", code="lock_timeout"))],
    "Stripe answers 429": [(429, _error("invalid_request_error"))],
    "Stripe answers 400 with code `rate_limit`": [
        (400, _error("invalid_request_error", code="rate_limit"))
    ],
    "Stripe answers 400 with type `idempotency_error`": [(400, _error("idempotency_error"))],
    "Stripe answers 500 with type `idempotency_error`": [(500, _error("idempotency_error"))],
    "Stripe answers 500 or 503": [(500, _error("api_error")), (503, _error("api_error"))],
    "no answer (refused, reset, timed out)": [None],
}
# The "first answer" of each row of the page's retry table: (status, headers), None: no answer.
RETRY_ROWS: dict[str, tuple[int, dict[str, str]] | None] = {
    "no answer": None,
    "409": (409, {}),
    "429": (429, {}),
    "500": (500, {}),
    "503": (503, {}),
    "400": (400, {}),
    "400 with `Stripe-Should-Retry: true`": (400, {"Stripe-Should-Retry": "true"}),
    "503 with `Stripe-Should-Retry: false`": (503, {"Stripe-Should-Retry": "false"}),
}


def _stripe_raises(url: str, key: str = DOCS_KEY, **options: Any) -> BaseException:
    import stripe

    client = stripe.StripeClient(key, base_addresses={"api": url}, **options)
    try:
        client.v1.billing_portal.sessions.create({"customer": "cus_123"})
    except Exception as exc:
        return exc
    raise AssertionError("stripe raised nothing")


def _lattice_raises(url: str, key: str = DOCS_KEY, **options: Any) -> BaseException:
    from lattice_core.billing_portal import Session

    try:
        with lattice_core.Client(key, base_url=url, sleep=lambda seconds: None, **options) as c:
            Session.create(c, {"customer": "cus_123"})
    except Exception as exc:
        return exc
    raise AssertionError("Lattice raised nothing")


def _check_error_table(run: PageRun) -> None:
    import stripe

    rows = _table("docs/migrating.md", "| when | `stripe` raises | Lattice raises |")
    assert {row[0] for row in rows} == {
        *ERROR_ROWS,
        "a param is missing",
        "the key is malformed",
    }
    for when, stripe_cell, lattice_cell in rows:
        stripe_class = getattr(stripe, _named(stripe_cell).removeprefix("stripe."))
        lattice_class = getattr(lattice_core, _named(lattice_cell))
        if when == "a param is missing":
            continue  # the page's own example shows this row
        if when == "the key is malformed":
            with _answering(401, _error("invalid_request_error")) as (url, _):
                assert type(_stripe_raises(url, key="sk_test_not a key")) is stripe_class
                assert type(_lattice_raises(url, key="sk_test_not a key")) is lattice_class
            continue
        for scripted in ERROR_ROWS[when]:
            server = _hanging_up() if scripted is None else _answering(*scripted)
            with server as (url, _):
                raised = (
                    _stripe_raises(url, max_network_retries=0),
                    _lattice_raises(url, max_retries=0),
                )
            assert tuple(map(type, raised)) == (stripe_class, lattice_class), (when, raised)


def _check_retry_table(run: PageRun) -> None:
    import stripe

    run.monkeypatch.setattr("time.sleep", lambda seconds: None)  # stripe's waits
    rows = _table("docs/migrating.md", "| first answer | `stripe` | Lattice |")
    assert {row[0] for row in rows} == set(RETRY_ROWS)
    for first, stripe_cell, lattice_cell in rows:
        attempts = []
        for who, retries in ((_stripe_raises, "max_network_retries"), (_lattice_raises, "")):
            scripted = RETRY_ROWS[first]
            answer = _error("invalid_request_error")
            server = (
                _hanging_up() if scripted is None else _answering(scripted[0], answer, scripted[1])
            )
            with server as (url, seen):
                who(url, **({retries: 2} if retries else {}))
            attempts.append(len(seen))
            if scripted is not None:
                assert len(set(seen)) == 1, f"{first}: a retry changed the idempotency key"
        wanted = [3 if cell == "retried" else 1 for cell in (stripe_cell, lattice_cell)]
        assert attempts == wanted, (first, attempts)

    # The defaults the page states: StripeClient retries nothing, the global style and
    # Lattice twice.
    with _answering(500, _error("api_error")) as (url, seen):
        _stripe_raises(url)
        assert len(seen) == 1
        _lattice_raises(url)
        assert len(seen) == 1 + 3
        run.monkeypatch.setattr(stripe, "api_base", url)
        with pytest.raises(stripe.APIError):
            stripe.billing_portal.Session.create(api_key=DOCS_KEY, customer="cus_123")
        assert len(seen) == 1 + 3 + 3

    # The same backoff: 0.5 s doubled per retry up to 5 s, jittered to half, at least 0.5 s.
    from lattice_core.builtin.retry import backoff_delay

    http_client = stripe.RequestsClient()
    for rand in (0.0, 0.3, 0.999):
        run.monkeypatch.setattr("random.uniform", lambda low, high, rand=rand: rand)
        for attempt in range(1, 8):
            theirs = http_client._sleep_time_seconds(attempt)
            assert theirs == pytest.approx(backoff_delay(attempt, None, rand)), attempt


def _check_stripe_logs_bodies(run: PageRun) -> None:
    """stripe logs response bodies at DEBUG, portal URL included (kept off the suite's log)."""
    import logging

    import stripe

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("stripe")
    handler = Keep(logging.DEBUG)
    logger.addHandler(handler)
    run.monkeypatch.setattr(logger, "propagate", False)
    logger.setLevel(logging.DEBUG)
    try:
        client = stripe.StripeClient(DOCS_KEY, base_addresses={"api": run.fake_url})
        session = client.v1.billing_portal.sessions.create({"customer": "cus_123"})
    finally:
        logger.setLevel(logging.INFO)
        logger.removeHandler(handler)
    assert any(session.url in record.getMessage() for record in records)
    assert all(r.levelno == logging.DEBUG for r in records if session.url in r.getMessage())


def _quiet_stripe_debug_logs(run: PageRun) -> None:
    """stripe logs each response body, portal URL included, at DEBUG; the suite's log guard
    flags that as the leak it is. It is stripe's, and the page says so: keep it out."""
    import logging

    logger = logging.getLogger("stripe")
    run.stack.callback(logger.setLevel, logger.level)
    logger.setLevel(logging.INFO)


def _migrating_page(run: PageRun) -> None:
    """Both libraries sent the Connect account and key the page shows; its tables are true."""
    import stripe
    import typing_extensions
    from stripe.params.billing_portal import SessionCreateParams as StripeParams

    from lattice_core.billing_portal import SessionCreateParams

    agents = {}
    for _method, _path, headers, _params in run.fake.requests:
        if headers.get("idempotency-key") == "portal-cus_123-2026-11-25":
            agents[headers["user-agent"].split("/")[0]] = headers.get("stripe-account")
    assert agents == {"Stripe": "acct_123", "lattice-python": "acct_123"}, agents
    assert typing_extensions.is_typeddict(StripeParams)
    assert typing_extensions.is_typeddict(SessionCreateParams)
    assert stripe.VERSION == "16.1.0"
    with lattice_core.Client(DOCS_KEY) as client:
        assert stripe.api_version == client.api_version
    _check_error_table(run)
    _check_retry_table(run)
    _check_stripe_logs_bodies(run)


def _tracing_page(run: PageRun) -> None:
    """A `Telemetry` passed without disabling the built-in one is refused: it would report twice."""
    from lattice_core.builtin.telemetry import Telemetry

    with pytest.raises(lattice_core.ConfigurationError, match="reported twice") as info:
        lattice_core.Client(DOCS_KEY, plugins=[Telemetry(tracer=None)])
    assert "disable_plugins=['telemetry'], plugins=[Telemetry(...)]" in str(info.value)


PAGE_SETUP: dict[str, Callable[[PageRun], None]] = {
    "docs/migrating.md": _quiet_stripe_debug_logs,
}
PAGE_CHECKS: dict[str, Callable[[PageRun], None]] = {
    "docs/async.md": _async_page,
    "docs/flows.md": _flows_page,
    "docs/migrating.md": _migrating_page,
    "docs/testing.md": _testing_page,
    "docs/tracing.md": _tracing_page,
}

# ---------------------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("page", PAGES)
def test_every_block_of_the_page_runs_or_is_checked(
    page: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if page not in ISOLATED:
        run_page(page, monkeypatch, tmp_path)
        return
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.test_docs_examples", page],
        cwd=ROOT,
        env=_guard_env(dict(os.environ)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(mask(done.stdout[-3000:] + done.stderr[-3000:]), pytrace=False)


def test_every_exception_and_check_is_still_used() -> None:
    """A listed exception or check that no block needs any more is removed, not kept."""
    blocks = [block for page in PAGES for block in blocks_of(page)]
    firsts = {(block.page, block.first_line) for block in blocks}
    assert set(TEXT_CHECKS) <= firsts, set(TEXT_CHECKS) - firsts
    assert set(PAGE_CHECKS) | set(PAGE_SETUP) | set(ISOLATED) <= set(PAGES)
    spoken = [
        " ".join(shlex.split(command, comments=True))
        for block in blocks
        if block.lang in ("bash", "sh", "shell", "console")
        for command in re.sub(r"\\\n\s*", " ", block.text).splitlines()
    ]
    for exception in SHELL_EXCEPTIONS:
        assert any(re.fullmatch(exception.pattern, command) for command in spoken), exception


def test_pip_install_in_prose_names_our_distributions_and_extras() -> None:
    """Inline `pip install ...` in the text, not only in blocks, names what this repo ships."""
    for page in PAGES:
        text = (ROOT / page).read_text()
        for span in re.findall(r"`([^`]+)`", re.sub(r"```.*?```", "", text, flags=re.S)):
            for words in pip_installs(" ".join(span.split())):
                check_pip_install(words, page)


def test_blocks_are_found_as_a_reader_sees_them() -> None:
    page = "docs/errors.md"
    kinds = [block.lang for block in blocks_of(page)]
    assert kinds.count("python") >= 2
    assert "text" in kinds
    assert _matches("a ... c\n", "a b\nb c")
    assert not _matches("a ... c", "a b d")


def test_what_is_neither_run_nor_checked_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A new kind of block, a wrong `pip install` or a wrong output cannot pass silently."""
    import importlib.metadata

    with contextlib.ExitStack() as stack:
        run = PageRun("docs/new.md", monkeypatch, tmp_path, stack)
        with pytest.raises(pytest.fail.Exception, match="neither run nor checked"):
            run.run(Block("docs/new.md", 3, "yaml", "", "key: value\n"))
        with pytest.raises(pytest.fail.Exception, match="neither run nor checked"):
            run.run(Block("docs/new.md", 3, "text", "", "something new\n"))
        run.last_output = "printed\n"
        with pytest.raises(pytest.fail.Exception, match="the block before printed"):
            run.run(Block("docs/new.md", 3, "text", 'title="Output"', "something else\n"))
        run.run(Block("docs/new.md", 3, "text", 'title="Output"', "print...\n"))
    with pytest.raises(AssertionError, match="has no extra"):
        check_pip_install(["lattice-stripe-core[nope]"], "docs/new.md")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        check_pip_install(["lattice-stripe-nope"], "docs/new.md")
    check_pip_install(["lattice-stripe-core[otel,aiohttp]", "lattice-stripe-requests"], "x")


if __name__ == "__main__":  # one isolated page, in a fresh interpreter
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as scratch:
        run_page(sys.argv[1], patch, Path(scratch))
