"""The report's HTML shell (str.format template: literal braces are doubled)."""

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
