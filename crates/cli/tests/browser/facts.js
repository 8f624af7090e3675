// Gathers what a person sees on a report page, by the report's page contract
// (see PageFacts in mod.rs). The harness runs it with Runtime.evaluate once the
// page has loaded; it returns one JSON string.
(() => {
  const text = (element) =>
    element ? element.textContent.replace(/\s+/g, " ").trim() : null;

  // Drawn with a non-zero size: a line mark may be flat (zero height) but not
  // both flat and narrow; hidden elements have an empty box.
  const rendered = (element) => {
    const style = getComputedStyle(element);
    if (style.display === "none" || style.visibility === "hidden") return false;
    const box = element.getBoundingClientRect();
    return box.width > 0 || box.height > 0;
  };

  const chart = (figure) => {
    const svg = figure.querySelector("svg");
    const svgTitle = svg ? svg.querySelector(":scope > title") : null;
    const marks = Array.from(figure.querySelectorAll(".mark"));
    return {
      name: figure.getAttribute("data-chart"),
      caption: text(figure.querySelector(":scope > figcaption")),
      svg_title: text(svgTitle),
      axis_titles: Array.from(figure.querySelectorAll("text.axis-title")).map(text),
      axes_none: figure.getAttribute("data-axes") === "none",
      marks: marks.length,
      marks_rendered: marks.filter(rendered).length,
    };
  };

  const main = document.querySelector("main");
  return JSON.stringify({
    page_kind: main ? main.getAttribute("data-page") : null,
    charts: Array.from(document.querySelectorAll("figure.chart")).map(chart),
    totals: Array.from(document.querySelectorAll("[data-total]")).map((element) => ({
      key: element.getAttribute("data-total"),
      unit: element.getAttribute("data-unit"),
      text: text(element),
    })),
    agent_rows: Array.from(
      document.querySelectorAll('table[data-table="agents"] tr[data-agent]'),
    ).map((row) => row.getAttribute("data-agent")),
  });
})()
