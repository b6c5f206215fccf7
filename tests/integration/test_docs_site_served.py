"""The documentation site as a reader meets it: built with `mkdocs build --strict`, served
over HTTP on 127.0.0.1, and opened in a real headless Chromium; the start page and a
results page render with the theme's navigation, and the results table carries the
numbers the metrics files generate."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthdistill.docs_gen import summary_table
from tests.integration.test_plots_offline import CHROMIUM_FLAGS, _browser

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site, served on 127.0.0.1: its base URL."""
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _render(url: str, profile: Path, screenshot: Path | None = None) -> str:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    what = [f"--screenshot={screenshot}", "--window-size=1280,2000"] if screenshot else []
    proc = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            *(what or ["--dump-dom"]),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_the_start_page_renders_with_the_site_navigation(site: str, tmp_path: Path) -> None:
    dom = _render(f"{site}/", tmp_path / "profile")
    assert "<title>synthdistill</title>" in dom
    for section in ("Getting started", "How-to", "Concepts", "Reference", "Results"):
        assert section in dom, section
    assert 'class="md-nav' in dom  # Material's navigation was drawn, not a bare page
    shot = tmp_path / "start.png"
    _render(f"{site}/", tmp_path / "profile2", shot)
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one


def test_the_results_page_shows_the_generated_summary(site: str, tmp_path: Path) -> None:
    dom = _render(f"{site}/results/", tmp_path / "profile")
    rows = [line for line in summary_table(REPO).splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        # the student's score cell of each generated row, as the browser shows it
        score = row.split("|")[4].strip()
        assert score.split(" ")[0] in dom, score
    assert "<table>" in dom
