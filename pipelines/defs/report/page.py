"""The report's page, assembled in one place: its HTML shell (PAGE, a str.format template: literal braces are
doubled), the Vega JavaScript inlined in it, the sections' figures placed in it, and the page's atomic write.

Charts are Vega-Lite specifications (made with altair) rendered in the browser by the Vega, Vega-Lite and
vega-embed JavaScript that vl-convert ships, inlined into the page: opening it needs no network.
"""

from __future__ import annotations

import functools
import html
import json
import os
import tempfile
from pathlib import Path

from pipelines.defs.report.figures import Section
from pipelines.defs.report.sections.coverage import coverage_table_html
from pipelines.defs.report.sections.run_notice import run_notice_html

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Militant violence in Pakistan and Afghanistan: analyst report</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0;
         color: #212121; background: #fafafa; line-height: 1.4; }}
  header, main {{ max-width: 1080px; margin: 0 auto; padding: 0 24px; }}
  header {{ padding-top: 24px; }}
  h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
  h2 {{ border-bottom: 2px solid #1565c0; padding-bottom: 4px; margin-top: 2em; }}
  h3 {{ font-size: 1.05em; margin: 0 0 8px; }}
  .meta {{ color: #555; font-size: 0.9em; }}
  .intro {{ color: #424242; }}
  figure {{ background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; margin: 18px 0; padding: 14px 16px; }}
  figcaption {{ font-size: 0.82em; color: #555; border-top: 1px solid #eee; margin-top: 10px; padding-top: 6px; }}
  figcaption p {{ margin: 2px 0; }}
  .chart {{ min-height: 40px; }}
  .notice {{ background: #fff8e1; border-left: 4px solid #f9a825; padding: 8px 12px; margin: 6px 0; }}
  .table-wrap {{ max-height: 420px; overflow: auto; }}
  table {{ border-collapse: collapse; font-size: 0.82em; width: 100%; }}
  th, td {{ border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; vertical-align: top; }}
  th {{ position: sticky; top: 0; background: #f5f5f5; }}
  td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
  tr.fail td {{ background: #ffebee; }}
  table.sortable th {{ cursor: pointer; }}
  table.sortable th[aria-sort="ascending"]::after {{ content: " ▲"; }}
  table.sortable th[aria-sort="descending"]::after {{ content: " ▼"; }}
  nav ul {{ padding-left: 18px; margin: 6px 0; }}
  nav li {{ display: inline; margin-right: 14px; }}
</style>
<script>
// Vega, Vega-Lite and vega-embed, as bundled by vl-convert: the page needs no network.
{vega_bundle}
</script>
</head>
<body>
<header>
{run_notice}<h1>Militant violence in Pakistan and Afghanistan</h1>
<p class="meta">Analyst report of the published warehouse built {built} (build {build_id}).
Figures come from the warehouse's marts; sources are compared side by side, never added together, and an unknown
count is not zero.</p>
<nav><ul>{toc}</ul></nav>
<p class="meta">Sections with too little data: <span id="too-little-data">{too_little}</span></p>
<details open><summary><b>Coverage of the event datasets</b> (core.incidents, Pakistan and Afghanistan)</summary>
<div class="table-wrap" data-table="coverage">{coverage}</div></details>
</header>
<main>
{body}
</main>
<script type="application/json" id="chart-specs">{specs}</script>
<script>
// Sortable tables: click a header; numbers sort by their value (data-value), blanks last.
document.querySelectorAll("table.sortable").forEach(function (table) {{
  table.querySelectorAll("th").forEach(function (th, column) {{
    th.addEventListener("click", function () {{
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) {{ h.removeAttribute("aria-sort"); }});
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const key = function (row) {{
        const cell = row.cells[column];
        if (cell.dataset.value !== undefined) return parseFloat(cell.dataset.value);
        return cell.textContent === "—" ? null : cell.textContent;
      }};
      Array.from(body.rows).sort(function (a, b) {{
        const x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null);
        const order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      }}).forEach(function (row) {{ body.appendChild(row); }});
    }});
  }});
}});
(function () {{
  const specs = JSON.parse(document.getElementById("chart-specs").textContent);
  window.reportViews = {{}};
  const charts = Array.from(document.querySelectorAll("div.chart[data-chart]"));
  Promise.all(charts.map(function (el) {{
    const id = el.dataset.chart;
    return vegaEmbed(el, specs[id], {{renderer: "svg", actions: false}}).then(function (result) {{
      window.reportViews[id] = result.view;
    }});
  }})).then(function () {{
    window.reportReady = true;
  }}, function (error) {{
    console.error("chart failed to render:", error);
    window.reportReady = "failed";
  }});
}})();
</script>
</body>
</html>
"""


def _json_script(value) -> str:
    # "</" cannot appear inside a <script> element; "<\\/" is the same JSON string.
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script. Bundling takes seconds, so the result is kept per
    vl-convert version in the user's cache folder (and per process)."""
    import vl_convert  # deferred: only a page being written needs it

    cache_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pipelines"
    cached = cache_dir / f"vega-bundle-vl-convert-{vl_convert.__version__}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    try:
        write_atomically(cached, bundle)
    except OSError:
        pass  # a read-only home only costs the bundling time
    return bundle


def render_html(data, sections: list[Section]) -> str:
    toc = "".join(f'<li><a href="#{s.section_id}">{html.escape(s.title)}</a></li>' for s in sections)
    body = []
    specs = {}
    for s in sections:
        body.append(
            f'<section id="{s.section_id}"><h2>{html.escape(s.title)}</h2><p class="intro">{html.escape(s.intro)}</p>'
        )
        for fig in s.figures:
            body.append(f'<figure id="fig-{fig.chart_id}"><h3>{html.escape(fig.title)}</h3>')
            if fig.spec is not None:
                specs[fig.chart_id] = fig.spec
                body.append(f'<div class="chart" data-chart="{fig.chart_id}"></div>')
            if fig.table_html is not None:
                body.append(f'<div class="table-wrap" data-table="{fig.chart_id}">{fig.table_html}</div>')
            if fig.notice is not None:
                body.append(f'<p class="notice" data-notice="{fig.chart_id}">{html.escape(fig.notice)}</p>')
            body.append(
                "<figcaption>"
                f"<p><b>Source:</b> {html.escape(fig.source)}</p>"
                f"<p><b>Definitions:</b> {html.escape(fig.definitions)}</p>"
                f"<p><b>Coverage:</b> {html.escape(fig.coverage)}</p>"
                "</figcaption></figure>"
            )
        body.append("</section>")
    too_little = [fig.chart_id for s in sections for fig in s.figures if fig.notice]
    built_at = data.build.get("built_at")
    return PAGE.format(
        run_notice=run_notice_html(data.warehouse),
        built=html.escape(f"{built_at:%Y-%m-%d %H:%M} UTC" if built_at else "unknown"),
        build_id=html.escape(str(data.build.get("build_id"))),
        toc=toc,
        too_little=html.escape(", ".join(too_little) if too_little else "none"),
        coverage=coverage_table_html(data.coverage),
        body="\n".join(body),
        specs=_json_script(specs),
        vega_bundle=vega_bundle(),
    )


def write_atomically(out: Path, text: str) -> None:
    """Write beside the target and rename over it: readers never see half a page, and an existing symlink at
    ``out`` is replaced rather than followed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
