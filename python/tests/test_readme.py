"""The README's "Use it from Python" section shows code that CI runs, so it cannot rot."""

import re


def python_blocks(readme):
    return re.findall(r"```python\n(.*?)```", readme, re.S)


def section(repo):
    readme = (repo / "README.md").read_text()
    return readme.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]


def test_the_readme_installs_with_pip_and_shows_the_example_file_verbatim(repo):
    text = section(repo)
    assert "```sh\npip install ./python\n```" in text
    example = (repo / "python" / "tests" / "test_readme_example.py").read_text()
    assert example in python_blocks(text)


def test_the_readmes_simulator_snippet_runs(repo, monkeypatch):
    monkeypatch.chdir(repo)  # it names a scenario file relative to the repository
    snippet = next(b for b in python_blocks(section(repo)) if "with Simulator(" in b)
    exec(compile(snippet, "README.md", "exec"), {})


def test_the_readmes_openapi_and_schema_example_runs(repo, monkeypatch):
    readme = (repo / "README.md").read_text()
    text = readme.split("## Describe it to other tools: OpenAPI and JSON Schema", 1)[1].split("\n## ", 1)[0]
    monkeypatch.chdir(repo)  # it reads scenarios/default.yaml relative to the repository
    (snippet,) = python_blocks(text)
    exec(compile(snippet, "README.md", "exec"), {})
