"""The worked examples in the docstrings hold: every module of logic/, db/ and bench/ that has some is run here.

The examples are read from the source (ast), not found by walking the module's objects as doctest.testmod does:
that walk touches every global, and Tortoise's `connections` proxy raises outside a database context.
components/ is left out: its examples build NiceGUI elements, which need a page.
"""
import ast
import doctest
import importlib
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ('logic', 'db', 'bench')


def modules_with_examples() -> list[str]:
    paths = (path for folder in FOLDERS for path in sorted((ROOT / folder).rglob('*.py')))
    return ['.'.join(path.relative_to(ROOT).with_suffix('').parts) for path in paths if '>>>' in path.read_text()]


@pytest.mark.parametrize('name', modules_with_examples())
def test_the_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    tests = examples_of(module)
    if not tests:
        pytest.skip(f'the ">>>" lines of {name} are comments, not examples')
    report = io.StringIO()
    runner = doctest.DocTestRunner(verbose=False)
    for test in tests:
        runner.run(test, out=report.write)
    assert not runner.failures, report.getvalue()


def examples_of(module) -> list[doctest.DocTest]:
    """The doctests of the module's docstring and of every function and class in it, in source order."""
    filename = module.__file__
    tree = ast.parse(Path(filename).read_text())
    parser = doctest.DocTestParser()
    tests = []

    def visit(node, qualified: str) -> None:
        docstring = ast.get_docstring(node, clean=False)
        if docstring and '>>>' in docstring:
            line = node.body[0].lineno - 1  # doctest counts lines from 0, ast from 1
            tests.append(parser.get_doctest(docstring, dict(vars(module)), qualified, filename, line))
        for child in node.body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, f'{qualified}.{child.name}')

    visit(tree, module.__name__)
    return [test for test in tests if test.examples]
