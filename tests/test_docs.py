"""The docs site builds with `mkdocs build --strict`, and its reference reads well."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built once with `mkdocs build --strict` for every test below."""
    site_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return site_dir


def _reference_pages(site: Path) -> dict[str, str]:
    """The `<article>` of every page under reference/, by page."""
    pages = sorted((site / "reference").glob("**/index.html"))
    assert len(pages) > 1
    articles = {}
    for page in pages:
        found = re.search(r"<article\b.*?</article>", page.read_text(), re.S)
        assert found, page
        articles[str(page.relative_to(site))] = found.group(0)
    return articles


class _Text(HTMLParser):
    """What a reader sees: visible text, and the text of each code span and heading."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.code: list[str] = []
        self.attributes: list[str] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend(value for _, value in attrs if value)
        if tag in ("code", "h1", "h2", "h3", "h4", "h5", "h6"):
            self._open.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "h1", "h2", "h3", "h4", "h5", "h6") and self._open:
            self.code.append("".join(self._open.pop()))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for span in self._open:
            span.append(data)


def _read(article: str) -> _Text:
    parser = _Text()
    parser.feed(article)
    return parser


def _context(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(match.start() - 60, 0) : match.end() + 60].split())


def test_mkdocs_strict_build_and_reference(site: Path) -> None:
    reference = "".join(_reference_pages(site).values())
    for name in ("Session", "InvalidParamsError", "before_request", "RequestsTransport"):
        assert name in reference, name
    assert (site / "quickstart" / "index.html").is_file()
    # Long signatures are formatted one parameter a line, defaults shown as values.
    code = _read(_reference_pages(site)["reference/client/index.html"]).code
    client = next(text for text in code if text.startswith("Client(\n"))
    assert '\n    base_url: str = "https://api.stripe.com",\n' in client, client
    assert "\n    timeout: float = 80.0,\n" in client, client
    assert "DEFAULT_BASE_URL" not in client


def test_every_public_name_has_its_entry_in_the_reference(site: Path) -> None:
    """A name a user can import has an anchor in the reference, so none is left out."""
    import lattice_core
    import lattice_core.billing_portal
    import lattice_core.testing

    anchors, missing = set(), []
    for article in _reference_pages(site).values():
        anchors.update(re.findall(r'id="([\w.]+)"', article))
    for module in (lattice_core, lattice_core.billing_portal, lattice_core.testing):
        for name in (n for n in module.__all__ if not n.startswith("__")):
            obj = getattr(module, name)
            home = getattr(obj, "__module__", module.__name__)
            candidates = {f"{module.__name__}.{name}", f"{home}.{name}"}
            # An alias (Locale) or an instance (hookimpl) has no home module of its own.
            candidates |= {f"{m}.{name}" for m in _modules_of(module)}
            missing.extend([] if candidates & anchors else [f"{module.__name__}.{name}"])
    assert missing == [], f"not in the reference: {missing}"


def _modules_of(package: object) -> set[str]:
    import pkgutil

    path = getattr(package, "__path__", [])
    prefix = getattr(package, "__name__", "") + "."
    return {info.name for info in pkgutil.walk_packages(path, prefix)}


PACKAGES = ("lattice_core", "lattice_transport_requests", "lattice_transport_aiohttp")
# reST that Markdown shows as it is: roles, field lists, literal-block and directive markers.
RAW_REST = re.compile(
    r":(?:class|meth|attr|func|mod|data|exc|obj|param|type|rtype|raises?|returns?)[:`\s]"
    r"|(?<!`)``(?!`)|^\.\. \w+::|\w::$",
    re.M,
)
# An autorefs link that did not resolve stays as `[title][dotted.identifier]`.
UNRESOLVED_AUTOREF = re.compile(r"\]\[[A-Za-z_]\w*(?:\.\w+)+\]")
# `_name` or `mod._name`: a private name (dunders such as `__aenter__` are public protocol).
PRIVATE_NAME = re.compile(r"(?<![\w.…])_[A-Za-z]\w*|\._[A-Za-z]\w*")


def test_reference_has_no_raw_rest_or_unresolved_links(site: Path) -> None:
    problems = []
    for page, article in _reference_pages(site).items():
        text = "".join(_read(article).text)
        for pattern in (RAW_REST, UNRESOLVED_AUTOREF):
            problems += [f"{page}: {_context(text, m)!r}" for m in pattern.finditer(text)]
        if "<autoref" in article:
            problems.append(f"{page}: an <autoref> tag was left unprocessed")
    assert not problems, "\n".join(problems)


def test_reference_shows_no_private_names(site: Path) -> None:
    """No `_helper` in a signature, a heading, a value, an anchor or a link title."""
    problems = []
    for page, article in _reference_pages(site).items():
        seen = _read(article)
        for where, texts in (("code", seen.code), ("attribute", seen.attributes)):
            for text in texts:
                problems += [
                    f"{page}: {where} {_context(text, m)!r}" for m in PRIVATE_NAME.finditer(text)
                ]
        text = "".join(seen.text)
        problems += [f"{page}: {m.group(0)!r}" for m in re.finditer(r"_masked|TypeVar", text)]
    assert not problems, "\n".join(problems)


def test_reference_describes_every_object_and_parameter(site: Path) -> None:
    """Each class, function, attribute and field shown has a docstring; each parameter an entry.

    Objects are read with griffe (and the docs' own extension) as mkdocstrings reads them.
    """
    import griffe
    from griffe import DocstringSectionKind

    ids = set()
    for article in _reference_pages(site).values():
        ids.update(re.findall(r'<h\d id="([\w.]+)" class="doc doc-heading"', article))
    assert len(ids) > 100
    extension = f"{ROOT / 'scripts' / 'griffe_lattice.py'}:LatticeReference"
    loader = griffe.GriffeLoader(
        extensions=griffe.load_extensions(extension),
        search_paths=[str(ROOT / package / "src") for package in PACKAGES],
        docstring_parser=griffe.Parser.google,
    )
    for package in PACKAGES:
        loader.load(package)
    loader.resolve_aliases(implicit=True, external=False)
    args_sections = (DocstringSectionKind.parameters, DocstringSectionKind.other_parameters)
    problems = []
    for identifier in sorted(ids):
        obj = loader.modules_collection[identifier]
        if not (obj.docstring and obj.docstring.value.strip()):
            problems.append(f"{identifier}: no docstring")
        if obj.is_class:
            init = obj.all_members.get("__init__")
            docstrings = [obj.docstring, init.docstring if init is not None else None]
        elif obj.is_function:
            init, docstrings = obj, [obj.docstring]
        else:
            continue
        if init is None:
            continue
        described = {
            parameter.name.lstrip("*")
            for docstring in docstrings
            if docstring is not None
            for section in docstring.parsed
            if section.kind in args_sections
            for parameter in section.value
        }
        problems += [
            f"{identifier}: parameter {parameter.name!r} is not described"
            for parameter in init.parameters
            if parameter.name not in ("self", "cls")
            and parameter.name not in described
            and not parameter.docstring  # an attrs field's own docstring describes it
        ]
    assert not problems, "\n".join(problems)


# A colon on a Returns section's first line: Google style reads what precedes it as the type.
RETURNS_WITH_COLON = re.compile(r"^Returns:\n +[^\n]*:", re.M)


def test_docstrings_are_markdown() -> None:
    """Every docstring in the three packages is Markdown, rendered or not: no reST left."""
    import ast
    import inspect

    problems = []
    for package in PACKAGES:
        for path in sorted((ROOT / package / "src").rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                    text = node.value.value
                    if isinstance(text, str):
                        problems += [
                            f"{path.relative_to(ROOT)}:{node.lineno}: {_context(text, m)!r}"
                            for pattern in (RAW_REST, RETURNS_WITH_COLON)
                            for m in pattern.finditer(inspect.cleandoc(text))
                        ]
    assert not problems, "\n".join(problems)


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().split("## Quickstart")[0]
    assert "bash scripts/demo.sh" in head
    assert "bash scripts/test.sh" in head
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
