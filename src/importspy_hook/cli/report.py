"""The results of ``importspy-hook check``, and their text, JSON and SARIF renderings.

The renderers are plain functions from a :class:`Report` to text, so that the command line is
the only place that knows about terminals and files. The JSON and SARIF shapes are part of the
public interface (CI jobs parse them): change them only together with :data:`JSON_VERSION`.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

#: Version of the JSON report's shape; raised whenever a key changes meaning or disappears.
JSON_VERSION = 1
JSON_SCHEMA_NAME = "importspy-hook/check"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "importspy-hook"
INFORMATION_URI = "https://pypi.org/project/importspy-hook/"


class Finding(NamedTuple):
    """One violation as the report shows it.

    :ivar module: the module the contract protects (the contract's pattern when no module was
        imported, as in the runtime-only check).
    :ivar rule: the stable rule id, such as ``runtime.env.required``.
    :ivar message: the violation's message.
    :ivar contract: ``"file:line"`` of the contract entry that failed.
    :ivar importer: the importing module's name, or ``None``.
    :ivar level: ``"error"`` for contracts that raise, ``"warning"`` for ``on_violation: warn``
        and for undecided facts of a static check.
    :ivar importer_file: the importer's source file, for an import edge found by ``--static``.
    :ivar importer_line: the line of its import statement.
    """

    module: str
    rule: str
    message: str
    contract: str
    importer: str | None
    level: str
    importer_file: str | None = None
    importer_line: int | None = None

    @property
    def blocking(self) -> bool:
        """Whether the finding breaks its contract: an undecided fact only as an error."""
        return not (self.rule.endswith(".undecided") and self.level == "warning")

    @property
    def file(self) -> str:
        return self.contract.rpartition(":")[0] or self.contract

    @property
    def line(self) -> int:
        text = self.contract.rpartition(":")[2]
        return int(text) if text.isdigit() else 1


class Outcome(NamedTuple):
    """One contract applied to one module: kept or broken.

    :ivar module: the contract's ``module`` (a name or a pattern).
    :ivar subject: the module it was applied to, or ``None`` for the runtime-only check.
    :ivar file: the contract file.
    :ivar line: the line of the contract's ``module`` key.
    :ivar on_violation: ``raise`` or ``warn``.
    :ivar checked: the parts of the contract that were evaluated (``runtime``, ``provides``, ...).
    :ivar findings: the violations found; empty when the contract was kept.
    """

    module: str
    subject: str | None
    file: str
    line: int
    on_violation: str
    checked: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def kept(self) -> bool:
        return not any(f.blocking for f in self.findings)


class Report(NamedTuple):
    """Every contract outcome of one ``check`` run."""

    targets: tuple[str, ...]
    outcomes: tuple[Outcome, ...]

    @property
    def ok(self) -> bool:
        return all(o.kept for o in self.outcomes)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for o in self.outcomes for f in o.findings)

    @property
    def undecided(self) -> int:
        """How many findings say the source cannot decide."""
        return sum(1 for f in self.findings if f.rule.endswith(".undecided"))

    def counts(self) -> tuple[int, int]:
        kept = sum(1 for o in self.outcomes if o.kept)
        return kept, len(self.outcomes) - kept


# --- text -----------------------------------------------------------------------------------

_GREEN = "\x1b[32m"
_RED = "\x1b[31m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def render_text(report: Report, *, color: bool = False) -> str:
    """One line per contract (``KEPT`` or ``BROKEN``), its violations, then ``N kept, M broken``."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    lines: list[str] = []
    for outcome in report.outcomes:
        status = paint("KEPT  ", _GREEN) if outcome.kept else paint("BROKEN", _RED + _BOLD)
        name = outcome.module if outcome.subject in (None, outcome.module) else f"{outcome.subject} ({outcome.module})"
        mode = "" if outcome.on_violation == "raise" else f", on_violation: {outcome.on_violation}"
        checked = ", ".join(outcome.checked) or "no runtime rules"
        lines.append(f"{status} {name}  {outcome.file}:{outcome.line}  [{checked}{mode}]")
        for finding in outcome.findings:
            by = f"  importer: {finding.importer}" if finding.importer else ""
            if finding.importer_file is not None:
                by = f"  {_shown_path(finding.importer_file)}:{finding.importer_line}{by}"
            lines.append(f"    {finding.rule}  {finding.contract}{by}")
            lines.append(f"      {finding.message}")
    kept, broken = report.counts()
    summary = f"{kept} kept, {broken} broken"
    if report.undecided:
        summary += f", {report.undecided} undecided"
    lines.append(paint(summary, _RED if broken else _GREEN) if report.outcomes else "no contracts")
    return "\n".join(lines) + "\n"


def _shown_path(file: str) -> str:
    """A file relative to the working folder when it lies inside it, as editors link it."""
    relative = os.path.relpath(file)
    return file if relative.startswith("..") else relative


# --- JSON -----------------------------------------------------------------------------------


def report_data(report: Report, tool_version: str) -> dict[str, Any]:
    """The JSON report as plain data (the documented, versioned shape)."""
    kept, broken = report.counts()
    return {
        "schema": JSON_SCHEMA_NAME,
        "version": JSON_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "ok": report.ok,
        "targets": list(report.targets),
        "summary": {"kept": kept, "broken": broken},
        "contracts": [
            {
                "module": o.module,
                "subject": o.subject,
                "file": o.file,
                "line": o.line,
                "on_violation": o.on_violation,
                "checked": list(o.checked),
                "status": "kept" if o.kept else "broken",
                "violations": len(o.findings),
            }
            for o in report.outcomes
        ],
        "violations": [
            {
                "module": f.module,
                "rule": f.rule,
                "message": f.message,
                "contract": f.contract,
                "file": f.file,
                "line": f.line,
                "importer": f.importer,
                "importer_file": f.importer_file,
                "importer_line": f.importer_line,
                "level": f.level,
            }
            for f in report.findings
        ],
    }


def render_json(report: Report, tool_version: str) -> str:
    import json

    return json.dumps(report_data(report, tool_version), indent=2) + "\n"


# --- SARIF ----------------------------------------------------------------------------------

_RULE_TEXT = {
    "importers.allow": "The importer's module name matches an importers.allow pattern",
    "importers.deny": "The importer's module name matches no importers.deny pattern",
    "runtime.python": "The Python version fits runtime.python",
    "runtime.implementation": "The Python implementation is one of runtime.implementation",
    "runtime.os": "The operating system is one of runtime.os",
    "runtime.arch": "The CPU architecture is one of runtime.arch",
    "runtime.env.required": "A required environment variable is set",
    "runtime.env.absent": "An environment variable that must be unset is unset",
    "runtime.env.equals": "An environment variable has the required value",
    "runtime.env.one_of": "An environment variable has one of the allowed values",
    "runtime.env.matches": "An environment variable matches the required pattern",
    "runtime.packages.missing": "A required distribution is installed",
    "runtime.packages.version": "An installed distribution's version fits the specifier",
    "runtime.packages.absent": "A forbidden distribution is not installed",
}
_SECTION_TEXT = {"provides": "The module provides", "importers.require": "The importer defines"}
_PROBLEM_TEXT = {
    "missing": "the {kind} named by the contract",
    "kind": "{kind}s where the contract asks for a {kind}",
    "value": "the {kind} value the contract gives",
    "annotation": "the {kind} annotation the contract gives",
    "argument": "the {kind} arguments the contract names",
    "arguments": "{kind}s whose arguments can be read",
    "returns": "the {kind} return annotation the contract gives",
    "bases": "the {kind} bases the contract names",
    "undecided": "the {kind} named by the contract as far as the source can decide",
}


def rule_description(rule: str) -> str:
    """A one-line description of a rule id, for SARIF's ``shortDescription``."""
    known = _RULE_TEXT.get(rule)
    if known is not None:
        return known
    for section, opening in _SECTION_TEXT.items():
        if rule.startswith(section + "."):
            kind, _, problem = rule[len(section) + 1 :].partition(".")
            template = _PROBLEM_TEXT.get(problem)
            if template is not None:
                return f"{opening} {template.format(kind=kind)}"
    return f"Contract rule {rule}"


def artifact_uri(file: str, root: str | None = None) -> str:
    """A contract file as SARIF wants it: relative to ``root`` with ``/``, else a ``file:`` URI."""
    from pathlib import Path

    path = Path(file)
    base = Path(root or os.getcwd()).resolve()
    absolute = path.resolve()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_uri()


def sarif_data(report: Report, tool_version: str) -> dict[str, Any]:
    """SARIF 2.1.0: one ``reportingDescriptor`` per rule id, results located in the contract files."""
    from pathlib import Path

    rule_ids = sorted({f.rule for f in report.findings})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    results = []
    for finding in report.findings:
        contract = _location(finding.file, finding.line)
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": finding.level,
            "message": {"text": finding.message},
            "locations": [{"physicalLocation": contract}],
            "properties": {"module": finding.module, "importer": finding.importer},
        }
        if finding.importer_file is not None:
            # Code scanning marks the offending import statement; the contract entry is related.
            importer = _location(finding.importer_file, finding.importer_line or 1)
            result["locations"] = [{"physicalLocation": importer}]
            result["relatedLocations"] = [
                {"id": 1, "physicalLocation": contract, "message": {"text": "the contract entry"}}
            ]
        results.append(result)
    return {
        "version": SARIF_VERSION,
        "$schema": SARIF_SCHEMA,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [
                            {
                                "id": rule,
                                "name": rule,
                                "shortDescription": {"text": rule_description(rule)},
                                "defaultConfiguration": {
                                    "level": "warning" if rule.endswith(".undecided") else "error"
                                },
                            }
                            for rule in rule_ids
                        ],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).resolve().as_uri() + "/"}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _location(file: str, line: int) -> dict[str, Any]:
    uri = artifact_uri(file)
    location: dict[str, Any] = {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}
    if not uri.startswith("file:"):
        location["artifactLocation"]["uriBaseId"] = "%SRCROOT%"
    return location


def render_sarif(report: Report, tool_version: str) -> str:
    import json

    return json.dumps(sarif_data(report, tool_version), indent=2) + "\n"
