"use strict";
// ReDoc on /api/v1/redoc/, themed from api_docs.css's custom properties, so light and dark follow the
// reader's prefers-color-scheme as the site does; drawn again if that changes while the page is open.
(function () {
  const container = document.getElementById("redoc-container");
  const scheme = window.matchMedia("(prefers-color-scheme: dark)");

  function theme() {
    const css = getComputedStyle(document.documentElement);
    const v = (name) => css.getPropertyValue(name).trim();
    return {
      colors: {
        primary: { main: v("--link") },
        text: { primary: v("--text"), secondary: v("--muted") },
        border: { dark: v("--border"), light: v("--border") },
        http: { get: "#1a56db", post: "#2e7d32", put: "#b26a00", patch: "#00796b", delete: "#b42318" },
      },
      typography: {
        fontFamily: v("--font"), headings: { fontFamily: v("--font") },
        code: { fontFamily: v("--mono"), color: v("--code-text"), backgroundColor: v("--code-bg") },
        links: { color: v("--link") },
      },
      sidebar: { backgroundColor: v("--surface-alt"), textColor: v("--text") },
      rightPanel: { backgroundColor: v("--header-bg"), textColor: v("--header-text"), servers: {
        overlay: { backgroundColor: v("--surface"), textColor: v("--text") }, url: { backgroundColor: v("--surface") } } },
      schema: { nestedBackground: v("--surface-alt"), typeNameColor: v("--muted"), linesColor: v("--border") },
    };
  }

  function draw() {
    // The bar above is sticky: ReDoc's menu and panels start below it.
    const bar = document.querySelector(".docs-bar");
    window.Redoc.init(container.dataset.schemaUrl, {
      theme: theme(), hideDownloadButton: false, scrollYOffset: bar ? bar.offsetHeight : 0,
    }, container);
  }

  draw();
  scheme.addEventListener("change", draw);
})();
