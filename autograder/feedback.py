"""Feedback for students: plain text and HTML from test results. Never includes test source or hidden inputs."""

from __future__ import annotations

from collections.abc import Iterable

import jinja2

from .runner import TestResult

_ENV = jinja2.Environment(autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)

_HTML = _ENV.from_string("""\
<div class="course-feedback">
{% if title %}<h3>{{ title }}</h3>{% endif %}
{% if note %}<p>{{ note }}</p>{% endif %}
{% if notes %}<p>Notes on your notebook:</p><ul>{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
{% if results %}
<table style="border-collapse: collapse">
<thead><tr><th style="text-align:left">test</th><th>visibility</th><th>points</th><th style="text-align:left">result</th></tr></thead>
<tbody>
{% for r in results %}
<tr style="border-top: 1px solid #ccc; vertical-align: top">
<td><code>{{ r.id }}</code><br><small>{{ r.description }}</small></td>
<td>{{ "hidden" if r.hidden else "public" }}</td>
<td>{{ fmt(r.score) }} / {{ fmt(r.points) }}</td>
<td style="text-align:left">{% if r.passed %}&#9989; passed{% if r.note and not note %}<br>{{ r.note }}{% endif %}{% else %}&#10060; {{ "" if note else r.message }}{% endif %}</td>
</tr>
{% endfor %}
</tbody>
<tfoot><tr style="border-top: 2px solid #888"><td colspan="2"><b>total</b></td><td><b>{{ fmt(score) }} / {{ fmt(possible) }}</b></td><td></td></tr></tfoot>
</table>
{% endif %}
</div>
""")


def fmt(points: float) -> str:
    """Points without float noise: 2, 1.5, 1.67."""
    return f"{points:.2f}".rstrip("0").rstrip(".")


def totals(results: Iterable[TestResult]) -> tuple[float, float]:
    results = list(results)
    return round(sum(r.score for r in results), 6), round(sum(r.points for r in results), 6)


def render_text(results: list[TestResult], title: str = "", note: str = "", notes=()) -> str:
    """Plain-text feedback; when `note` explains a whole-submission failure, per-test messages are not repeated.
    `notes` say what happened to the notebook's own cells (errors, left-out magics)."""
    score, possible = totals(results)
    lines = [title] if title else []
    if note:  # report first: why the submission could not be graded, or what broke in the notebook, comes first
        lines.append(f"  {note}")
    if notes:
        lines += ["  notes on your notebook:"] + [f"    - {n}" for n in notes]
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"  [{mark}] {r.id} ({'hidden' if r.hidden else 'public'}, {fmt(r.score)}/{fmt(r.points)}): "
                     f"{r.description}")
        if (not r.passed or r.note) and not note:  # a passed test's note: a report without points
            lines.append(f"         {r.message}")
    if results:
        lines.append(f"  total: {fmt(score)} / {fmt(possible)}")
    return "\n".join(lines)


def render_html(results: list[TestResult], title: str = "", note: str = "", notes=()) -> str:
    score, possible = totals(results)
    return _HTML.render(results=results, title=title, note=note, notes=list(notes), score=score, possible=possible,
                        fmt=fmt)


class Report:
    """Displays as HTML in Jupyter and as text elsewhere (nbgrader keeps both in the cell's outputs)."""

    def __init__(self, results: list[TestResult], title: str = "", note: str = ""):
        self.results, self.title, self.note = results, title, note

    def _repr_html_(self) -> str:
        return render_html(self.results, self.title, self.note)

    def __repr__(self) -> str:
        return render_text(self.results, self.title, self.note)
