"""The browser tier: a student's session in a real JupyterLab under headless Chromium, driven by playwright.

Per assignment, on a copy of its handout (the committed release plus the runtime): Run All on the stub (every
check says "not implemented", the figures are drawn), a planted bug in one implement cell (its check names the
mistake; Validate's dialog shows it), the solutions in every implement cell (every check passes), the export cell
(the zip appears), Validate (success).
Screenshots of every step go to build/browser-screenshots/<assignment>/ (or $BROWSER_SCREENSHOTS/<assignment>/).

Needs playwright (pip) and Debian's chromium (`apt-get install -y chromium`); without them the tier is skipped with
the reason, and with CI=true that skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder import samples as sample_defs
from autograder.release.pipelines import handout

from .conftest import ASSIGNMENTS, REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PLANTED = {"a1": ("kernel_flipped", "conv_forward", "kernel flipped"),
           "a2": ("kernel_not_rotated", "bp_sensitivity_map", "kernel not rotated"),
           "a3": ("mean_gradient_copied", "mean_backward", "mean gradient copied"),
           "a4": ("fc_weight_grad_transposed", "fc_backward", "W_grad transposed"),
           "a5": ("dilation_ignored", "dilated_forward", "dilation ignored")}
FIGURES = {"a1": 2, "a2": 1, "a3": 1, "a4": 3, "a5": 3}


def _browser_or_skip() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium, or set $CHROMIUM)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on 127.0.0.1 with a random port and token, serving one folder; stopped on close."""

    def __init__(self, root: Path, home: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(16)
        settings = home / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))  # every cell drawn
        (settings.parent / "apputils-extension").mkdir()
        (settings.parent / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false"}))  # no news pop-up over the screenshots
        env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
        self.log = (home / "lab.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
             "--LabApp.news_url=", "--ServerApp.port_retries=0"] + (["--allow-root"] if os.geteuid() == 0 else []),
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait()

    def _wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer in {timeout:.0f} s; see {self.log.name}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?reset&token={self.token}"  # no restored tabs

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.log.close()


class Session:
    """One notebook open in the browser, driven through JupyterLab's own commands and widgets."""

    def __init__(self, page, shots: Path):
        self.page, self.shots, self.step = page, shots, 0

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.step:02d}-{name}.png"), full_page=True)

    def show(self, index: int) -> None:
        """Scroll cell `index` to the top of the notebook's view, for the next screenshot."""
        self.page.evaluate("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
                           ".scrollIntoView({block: 'start'})", index)

    def run_all(self) -> None:
        self.page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        self.page.wait_for_function(
            "() => { const p = window.jupyterapp.shell.currentWidget; const k = p.sessionContext.session.kernel;"
            " return k.status === 'idle' && p.content.widgets.every(c => c.model.type !== 'code' ||"
            " (c.model.executionCount !== null && !c.node.querySelector('.jp-InputArea-prompt')"
            "   .textContent.includes('*'))); }", timeout=300_000, polling=500)

    def set_source(self, index: int, source: str) -> None:
        self.page.evaluate("([i, s]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                           ".model.sharedModel.setSource(s)", [index, source])

    def output_text(self, index: int) -> str:
        return self.page.evaluate("i => window.jupyterapp.shell.currentWidget.content.widgets[i].node"
                                  ".querySelector('.jp-Cell-outputWrapper').innerText", index)

    def figures(self) -> list[int]:
        """Natural widths of the SVG images rendered in Markdown cells (0 when an image failed to load)."""
        return self.page.evaluate("() => Array.from(window.jupyterapp.shell.currentWidget.node.querySelectorAll("
                                  "'.jp-MarkdownOutput img[src^=\"data:image/svg+xml\"]')).map(i => i.naturalWidth)")

    def validate(self) -> str:
        self.page.locator(".validate-button:visible").first.click()
        dialog = self.page.locator(".jp-Dialog-content")
        dialog.wait_for(timeout=300_000)
        self.page.wait_for_function("() => !document.querySelector('.jp-Dialog-content').innerText"
                                    ".includes('Validating')", timeout=300_000)
        return " ".join(dialog.inner_text().split())

    def close_dialog(self) -> None:
        self.page.locator(".jp-Dialog-content button").last.click()


def _cells(release: Path, notebook: str) -> list:
    return nbformat.read(release / notebook, as_version=4).cells


def _indices(cells, role: str) -> list[int]:
    return [i for i, c in enumerate(cells) if c.metadata.get("course", {}).get("role") == role]


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lab")


@pytest.fixture(scope="module")
def lab(lab_root, tmp_path_factory):
    _browser_or_skip()
    server = Lab(lab_root, tmp_path_factory.mktemp("lab-home"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def _samples(assignment: str, release: Path, notebook: str, masters) -> dict[str, nbformat.NotebookNode]:
    release_nb = nbformat.read(release / notebook, as_version=4)
    samples = {s.name: s for s in sample_defs.load_samples(assignment)}
    return {name: nbformat.reads(sample_defs.notebook(samples[name], masters[assignment], release_nb), as_version=4)
            for name in ("reference", PLANTED[assignment][0])}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_students_session_in_jupyterlab(assignment, course, masters, lab, lab_root, browser, tmp_path):
    folder = shutil.copytree(handout(assignment, build_root=tmp_path), lab_root / assignment)  # what students get
    notebook = course.assignment(assignment).notebook
    shots = Path(os.environ.get("BROWSER_SCREENSHOTS", REPO_ROOT / "build" / "browser-screenshots")) / assignment
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    print(f"screenshots: {shots}")
    cells = _cells(folder, notebook)
    checks = {cells[i].metadata["course"]["question"]: i for i in _indices(cells, "question")}
    samples = _samples(assignment, folder, notebook, masters)
    bug_name, bug_question, mistake = PLANTED[assignment]

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(lab.url(f"{assignment}/{notebook}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel"
                           "?.status === 'idle'", timeout=120_000)
    s = Session(page, shots)

    # 1. the untouched release: figures drawn, every check "not implemented" with its public-checks line
    s.run_all()
    assert len(s.figures()) == FIGURES[assignment] and all(w > 0 for w in s.figures())
    for question, i in checks.items():
        text = s.output_text(i)
        assert f"{question}: public checks give 0 of" in text and "not implemented" in text, text[:300]
        assert "Error at line" not in text
    assert page.locator(".jp-OutputArea-executeResult").count() == 0, "a check cell shows an Out[n]"
    s.show(next(i for i, c in enumerate(cells) if c.metadata.get("course", {}).get("role") == "figure"))
    s.shot("stub-figure")
    s.show(checks[bug_question])
    s.shot("stub-not-implemented")

    # 2. a planted bug in one implement cell: its check names the mistake, and so does Validate's dialog
    for i in _indices(cells, "implement") + _indices(cells, "answer"):
        s.set_source(i, samples[bug_name].cells[i].source)
    s.run_all()
    assert mistake in s.output_text(checks[bug_question])
    s.show(checks[bug_question])
    s.shot("planted-bug")
    dialog = s.validate()
    assert mistake in dialog and "public checks give" in dialog, dialog[:500]
    s.shot("planted-bug-validate")
    s.close_dialog()

    # 3. the solutions: every check passes
    for i in _indices(cells, "implement") + _indices(cells, "answer"):
        s.set_source(i, samples["reference"].cells[i].source)
    s.run_all()
    for question, i in checks.items():
        text = s.output_text(i)
        assert f"{question}: public checks give" in text and "give 0 of" not in text and "failed" not in text, text
    s.show(checks[bug_question])
    s.shot("solutions-pass")

    # 4. the export cell wrote the zip; 5. Validate passes
    assert "grader.export(pdf=False)" in cells[-1].source
    assert list(folder.glob("*.zip")), "the export cell wrote no zip"
    s.show(len(cells) - 1)
    s.shot("export")
    dialog = s.validate()
    assert "Success" in dialog, dialog[:500]
    s.shot("solutions-validate")
    s.close_dialog()
    page.close()
