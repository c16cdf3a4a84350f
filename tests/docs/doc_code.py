"""The code the docs show, found as a reader's Markdown renderer finds it, and the commands in it.

A regular expression over the Markdown misses fenced blocks indented under a
list item (the Troubleshooting entries) and inline code that wraps a line:
markdown-it-py, which rich brings, parses CommonMark (and GFM tables) as a
renderer does.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt

from finfocus_ecs.project import DOCS_DIR, MODULE_DIR, REPO_ROOT

DOCUMENTS = sorted(
    [REPO_ROOT / "README.md", MODULE_DIR / "README.md", REPO_ROOT / "policies" / "README.md", *DOCS_DIR.glob("*.md")]
)
GUIDE = DOCS_DIR / "ecs-deployment.md"
# Blocks in a language of their own, which other tests parse or run; a command in them is data.
NOT_COMMANDS = {"json", "hcl", "python", "go", "js", "mermaid"}


@dataclass(frozen=True)
class Code:
    """A fenced block (`language` its info word, "" for none) or inline code (`language` None)."""

    path: Path
    line: int
    language: str | None
    text: str


@dataclass(frozen=True)
class CommandLine:
    """One command as the docs show it: from the program's name to the end of its line or inline code."""

    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}: {self.text}"


@cache
def code(path: Path) -> tuple[Code, ...]:
    """Every fenced block and inline code of a document, with the line each starts on."""
    found = []
    for token in MarkdownIt("commonmark").enable("table").parse(path.read_text()):
        if token.type == "fence":
            found.append(Code(path, token.map[0] + 2, token.info.split()[0] if token.info else "", token.content))
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "code_inline":
                    # The line of the span within its paragraph, where it does not wrap (a wrapped one reads as spaces).
                    before = token.content[: max(token.content.find(child.content), 0)]
                    found.append(Code(path, token.map[0] + 1 + before.count("\n"), None, child.content))
    return tuple(found)


def fences(path: Path, language: str) -> list[str]:
    return [block.text for block in code(path) if block.language == language]


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(offset of its first line, line) of each shell line, with its backslash continuations joined."""
    found: list[tuple[int, str]] = []
    parts: list[str] = []
    for offset, line in enumerate(text.splitlines()):
        first = offset - len(parts)
        continued = line.rstrip().endswith("\\")
        parts.append(line.rstrip().removesuffix("\\").strip())
        if not continued:
            found.append((first, " ".join(part for part in parts if part)))
            parts = []
    if parts:
        found.append((len(text.splitlines()) - len(parts), " ".join(parts)))
    return found


def command_lines(program: str, paths: list[Path] = DOCUMENTS) -> list[CommandLine]:
    """Every command of `program`: where a shell would run it (a line's start, after an operator,
    `sudo` or a label such as YAML's `entry:`), in blocks and inline code. The name alone names the tool."""
    start = re.compile(rf"(?:^|[;&|(]|\bsudo\b|:)\s*((?:[\w.-]*/)*{re.escape(program)})(?![^\s;&|)])")
    found = []
    for path in paths:
        for block in code(path):
            if block.language in NOT_COMMANDS:
                continue
            for offset, line in logical_lines(block.text):
                commands = [
                    CommandLine(path, block.line + offset, line[match.start(1) :]) for match in start.finditer(line)
                ]
                found += [command for command in commands if len(words(command.text)) > 1]
    return found


def words(text: str) -> list[str]:
    """The command's words as a shell splits them, up to its first operator (`>`, `|`, `&&`, `;`)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    taken = []
    for word in lexer:
        if set(word) <= set(lexer.punctuation_chars):
            break
        taken.append(word)
    return taken
