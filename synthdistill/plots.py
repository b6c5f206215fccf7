"""``dvc plots show`` offline: an HTML template that carries Vega, Vega-Lite and Vega-Embed.

DVC's page loads the three libraries from a CDN, so on a machine with no internet its
plots stay blank. ``write_offline_template`` writes a page template holding the libraries
inline (the bundle that ``vl-convert-python``, a PyPI package, ships) to
``.dvc/plots/offline.html``; ``.dvc/config`` names it (``plots.html_template``), so
``dvc plots show`` and ``dvc exp show``'s plots render with no network. ``make install``
writes it (``synthdistill plots-template``).
"""

from __future__ import annotations

from pathlib import Path

from synthdistill.io import write_text

TEMPLATE_NAME = "plots/offline.html"  # relative to .dvc/, as .dvc/config names it
# The bundle's entry point: the libraries as globals, as DVC's per-plot scripts expect them.
GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"

# dvc_render fills {refresh_tag} and {plot_divs}; {scripts} (its CDN <script> tags) is left
# out on purpose. Each plot div runs `vegaEmbed(...)` in a classic script, so the bundle is a
# classic script too and runs first (it sets window.vegaEmbed / vega / vegaLite).
PAGE = """<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    {refresh_tag}
    <title>DVC Plot (offline)</title>
    <script type="text/javascript">
%BUNDLE%
    </script>
    <style>
        table {
            border-spacing: 15px;
        }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def offline_page() -> str:
    """The template: DVC's page layout with the libraries inline instead of CDN links."""
    import vl_convert  # a 30 MB extension module: loaded only when the template is made

    bundle: str = vl_convert.javascript_bundle(GLOBALS)
    if "</script" in bundle.lower():  # would end the inline script early
        raise ValueError("the vl-convert bundle holds '</script': cannot be inlined")
    return PAGE.replace("%BUNDLE%", bundle)


def write_offline_template(dvc_dir: Path) -> Path:
    """Write the offline template under ``dvc_dir`` (a project's ``.dvc``); its path."""
    path = dvc_dir / TEMPLATE_NAME
    write_text(path, offline_page())
    return path
