"""Terraform's errors as a user reads them: one a line, `SUMMARY: DETAIL (FILE:LINE)`.

Terraform prints each error as a framed block: a summary, the source snippet
with the values it evaluated, the message, and the file of the rule that
failed, named relative to its working directory. Passed on as it is, a
command printed "error: Error: ...", a snippet of a root this tool wrote, and
a path such as ../../../modules/finfocus_ecs/variables.tf that means nothing
where the user stands.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from finfocus_ecs.project import CACHE_DIR, REPO_ROOT


def errors_text(messages: list[dict[str, Any]], directory: Path) -> str:
    """The error diagnostics of `-json` output, as readable_errors writes them."""
    errors = []
    for message in messages:
        diagnostic = message.get("diagnostic") if message.get("type") == "diagnostic" else None
        if diagnostic is None or diagnostic.get("severity") != "error":
            continue
        where = diagnostic.get("range") or {}
        location = (where["filename"], where["start"]["line"]) if where.get("filename") else None
        paragraphs = [" ".join(part.split()) for part in diagnostic.get("detail", "").split("\n\n")]
        errors.append(_one_error(diagnostic["summary"], paragraphs, location, directory))
    return "\n".join(errors)


# "This was checked by the validation rule at ../../modules/finfocus_ecs/variables.tf:118,3-13."
_CHECKED_AT = re.compile(r"^This was checked by the (?:validation rule|condition) at (\S+?):(\d+)[\d,-]*\.?$")
_ON_LINE = re.compile(r"^on (\S+) line (\d+)")


def readable_errors(text: str, directory: Path) -> str:
    """Terraform's errors (-no-color text) one a line: `SUMMARY: DETAIL (at FILE:LINE)`; other text as it is.

    What a user reads of them: the summary and the message, and the file of
    their own that the error is about, named from the repository when it is
    in it. Left out: the frame Terraform draws in a terminal, the source
    snippet and the values it prints beside it, and places in the roots this
    tool writes itself (.cache/...), which name nothing the user wrote.
    """
    blocks = re.split(r"^(?=[│ ]*Error: )", text.replace("\r", ""), flags=re.MULTILINE)
    errors = []
    for block in blocks:
        lines = [_unframed(line) for line in block.splitlines() if line.strip() not in ("╷", "╵")]
        if not lines or not lines[0].lstrip().startswith("Error: "):
            continue
        summary = lines[0].lstrip().removeprefix("Error: ")
        paragraphs, location = [], None
        for paragraph in "\n".join(lines[1:]).split("\n\n"):
            first = paragraph.strip().splitlines()[0].strip() if paragraph.strip() else ""
            found = _ON_LINE.match(first)
            if found:  # the source snippet and the values beside it
                location = (found[1], int(found[2]))
            elif first:
                paragraphs.append(" ".join(paragraph.split()))
        errors.append(_one_error(summary, paragraphs, location, directory))
    return "\n".join(errors) if errors else text.strip()


def _unframed(line: str) -> str:
    """A line without the frame Terraform draws around a diagnostic in a terminal (`│ `)."""
    return line.removeprefix("│").removeprefix(" ").rstrip() if line.startswith("│") else line.rstrip()


def _one_error(summary: str, paragraphs: list[str], location: tuple[str, int] | None, directory: Path) -> str:
    details = []
    for paragraph in filter(None, paragraphs):
        checked = _CHECKED_AT.match(paragraph)
        if checked:
            location = (checked[1], int(checked[2]))
        else:
            details.append(paragraph)
    where = _user_file(location[0], directory) if location else None
    text = f"{summary}: {' '.join(details)}" if details else summary
    return f"{text} ({where}:{location[1]})" if where and location else text


def _user_file(name: str, directory: Path) -> str | None:
    """A file Terraform names (relative to its working directory) as the user knows it; None for our own roots."""
    path = (directory / name).resolve()
    if path.is_relative_to(CACHE_DIR.resolve()):
        return None
    return str(path.relative_to(REPO_ROOT.resolve())) if path.is_relative_to(REPO_ROOT.resolve()) else str(path)
