"""`dvc plots show` renders with no network: the page carries Vega inline, and a real
headless Chromium draws every plot of the committed metrics from it."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from synthdistill.plots import TEMPLATE_NAME, offline_page, write_offline_template

REPO = Path(__file__).resolve().parents[2]
DVC = str(Path(sys.executable).with_name("dvc"))
# Chromium as the machine's notes start it: no background connections on a closed network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def test_template_holds_the_libraries_and_no_remote_script() -> None:
    page = offline_page()
    assert "{plot_divs}" in page and "{refresh_tag}" in page
    assert "{scripts}" not in page  # DVC's CDN <script> tags have nowhere to go
    assert not re.search(r"<script[^>]+src=", page)
    assert "window.vegaEmbed=" in page.replace(" ", "")


def test_dvc_config_names_the_template() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / ".dvc" / "config")
    assert config["plots"]["html_template"] == TEMPLATE_NAME


@pytest.mark.integration
def test_committed_plots_render_offline_in_a_headless_browser(tmp_path: Path) -> None:
    template = write_offline_template(tmp_path / "dvc")
    out = tmp_path / "page"
    proc = subprocess.run(
        [DVC, "plots", "show", "--html-template", str(template), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in page and not re.search(r"<script[^>]+src=", page)
    plots = len(re.findall(r'<div id = "', page))
    assert plots >= 10  # the committed metrics' confusion matrices, curves, training logs

    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    dom = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            (out / "index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    # vega-embed puts one rendered SVG/canvas view (role graphics-document) in each plot's div
    drawn = len(re.findall(r'role="graphics-document"', dom))
    assert drawn == plots, f"{drawn} of {plots} plots rendered"
