/* Draws the graph of a graph or layout page with Cytoscape.js (web/static/vendor/cytoscape/).
 *
 * The page works without this: it has the graph's summary, its nodes as a
 * list and its JSON; the drawing is shown only once it is drawn. The data is
 * the page's json_script #graph-drawing-data (web/graphs/drawing.py).
 *
 * Where the reader may save positions the nodes can be moved, by dragging or
 * with the "Move a node" buttons (#graph-move, for the keyboard). On a graph
 * page that is "Save as layout": the form's hidden positions field is filled
 * with every node's place as it is sent, and the create-layout view and action
 * take it as they take typed JSON. On a layout page, its owner's: each move is
 * written into the layout form's positions field, and "Save positions" submits
 * that form, the same view and action as typing the JSON by hand. Until it is
 * saved the status says "Positions changed — not saved", and leaving the page
 * asks first (beforeunload), only then.
 *
 * Size decides how it is drawn, so that a 10,000-node graph never freezes
 * the tab (tests/e2e/test_graph_drawing.py waits for one to be usable).
 * window.beaconGraph = {cy, ready, large, layout, drawMs} for tests and the console.
 */
(function () {
  "use strict";

  // Up to this many nodes, a force-directed layout (cose) in one go: at 200
  // it takes well under a second; its cost grows with the square of the nodes.
  var FORCE_LAYOUT_MAX_NODES = 200;
  // From this many elements (nodes + edges) on, the drawing is "large": while
  // panning or zooming Cytoscape.js moves a picture of the graph instead of
  // drawing each element (textureOnViewport) and leaves the edges out;
  // edges are straight (haystack) without arrows; labels show only when zoomed
  // in far enough to read them.
  var LARGE_ELEMENTS = 2000;
  // A label smaller than this many pixels on screen is not drawn.
  var MIN_LABEL_PX = 9;
  // The room each node gets in a grid, in the drawing's units (a node is 22 across, 14 when large).
  var GRID_CELL = 70;
  var GRID_CELL_LARGE = 40;
  // "Fit" never zooms in further than this.
  var FIT_MAX_ZOOM = 1.5;
  // One press of a "Move a node" button moves it this many pixels on screen, whatever the zoom.
  var MOVE_STEP_PX = 20;
  var UNSAVED = "Positions changed — not saved";

  var source = document.getElementById("graph-drawing-data");
  var container = document.getElementById("graph-canvas");
  if (!source || !container || typeof window.cytoscape !== "function") return;
  var graph = JSON.parse(source.textContent);
  if (!graph.nodes.length) return;

  // "new": the graph page's Save as layout; "update": the owner's layout page.
  var editable = container.getAttribute("data-editable");
  var form = editable && document.getElementById(container.getAttribute("data-form"));
  var field = editable && document.getElementById(container.getAttribute("data-positions-field"));
  var saveButton = document.getElementById("save-positions");
  var status = document.getElementById("drawing-status");
  var large = graph.nodes.length + graph.edges.length >= LARGE_ELEMENTS;
  var positions = graph.positions;  // {id: [x, y]} or null: choose a layout
  var started = performance.now();

  var mode = positions ? "preset" : graph.nodes.length <= FORCE_LAYOUT_MAX_NODES ? "cose" : "grid";
  var state = window.beaconGraph = {cy: null, ready: false, large: large, layout: mode, drawMs: null};
  var cy;

  // The box is shown at once, saying it is drawing; the drawing is built after
  // the page's first paint, so the rest of the page is there to read meanwhile.
  container.hidden = false;
  container.setAttribute("data-drawing", "Drawing " + graph.nodes.length.toLocaleString("en") + " nodes…");
  requestAnimationFrame(function () { setTimeout(draw, 0); });

  function draw() {
    cy = state.cy = window.cytoscape({
      container: container,
      elements: elements(),
      style: style(),
      layout: {name: "preset", fit: false},  // placed already; fitView fits once
      autoungrabify: !editable,
      boxSelectionEnabled: false,
      selectionType: "single",
      minZoom: 0.02,
      maxZoom: 8,
      textureOnViewport: large,
      hideEdgesOnViewport: large,
      motionBlur: false,
      pixelRatio: large ? 1 : "auto"
    });
    if (mode === "cose") {
      cy.layout({name: "cose", animate: false, randomize: false, nodeDimensionsIncludeLabels: true}).run();
    }
    fitView();
    cy.one("render", function () {
      requestAnimationFrame(function () {
        state.drawMs = Math.round(performance.now() - started);
        state.ready = true;
        container.removeAttribute("data-drawing");
      });
    });
    document.getElementById("graph-toolbar").hidden = false;
    document.getElementById("graph-hint").hidden = false;
    wireToolbar();
    if (editable && form && field) {
      wireSaving();
      wireMoving();
    }
    // The palette follows the page's (beacon.css's custom properties), dark mode included.
    var scheme = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
    if (scheme && scheme.addEventListener) scheme.addEventListener("change", function () { cy.style(style()); });
  }

  function elements() {
    // Every node placed before Cytoscape.js sees it: at its saved position, or
    // in a grid (below the saved ones, if any). A grid computed here costs
    // nothing; Cytoscape.js's own would be a second pass over 10,000 nodes.
    var result = [], unplaced = [];
    graph.nodes.forEach(function (node) {
      var element = {group: "nodes", data: {id: node[0], label: node[1]}};
      var point = positions && positions[node[0]];
      if (point) element.position = {x: point[0], y: point[1]};
      else unplaced.push(element);
      result.push(element);
    });
    if (mode === "cose") placeOnCircle(unplaced);
    else if (unplaced.length) placeInGrid(unplaced);
    graph.edges.forEach(function (edge) {
      result.push({group: "edges", data: {source: edge[0], target: edge[1]}});
    });
    return result;
  }

  function placeOnCircle(nodes) {
    // Where cose starts from: the same place each time, so a graph looks the same at every visit.
    var radius = 40 * nodes.length;
    nodes.forEach(function (element, index) {
      var angle = 2 * Math.PI * index / nodes.length;
      element.position = {x: radius * Math.cos(angle), y: radius * Math.sin(angle)};
    });
  }

  function placeInGrid(nodes) {
    // A grid of the box's shape with room around every node, so that there is
    // background between them to drag the view by; fitView then zooms out.
    var cell = large ? GRID_CELL_LARGE : GRID_CELL;
    var ratio = (container.clientWidth || 800) / (container.clientHeight || 500);
    var columns = Math.max(1, Math.round(Math.sqrt(nodes.length * ratio)));
    var x0 = 0, y0 = 0, placed = Object.keys(positions || {});
    mode = state.layout = placed.length ? "preset + grid" : "grid";
    if (placed.length) {
      x0 = Infinity;
      y0 = -Infinity;
      placed.forEach(function (id) { x0 = Math.min(x0, positions[id][0]); y0 = Math.max(y0, positions[id][1]); });
      y0 += 2 * cell;
    }
    nodes.forEach(function (element, index) {
      element.position = {x: x0 + (index % columns) * cell, y: y0 + Math.floor(index / columns) * cell};
    });
  }

  function style() {
    var css = getComputedStyle(document.documentElement);
    var colour = function (name) { return css.getPropertyValue(name).trim(); };
    var node = {
      "background-color": colour("--link"),
      "width": large ? 14 : 22,
      "height": large ? 14 : 22,
      "label": "data(label)",
      "color": colour("--text"),
      "font-size": large ? 8 : 12,
      "min-zoomed-font-size": MIN_LABEL_PX,
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-outline-color": colour("--surface-alt"),
      "text-outline-width": 2,
      "text-max-width": 120,
      "text-wrap": "ellipsis"
    };
    var edge = {
      "width": large ? 1 : 1.5,
      "line-color": colour("--button-border"),
      "curve-style": large ? "haystack" : "bezier"
    };
    if (!large) {
      edge["target-arrow-shape"] = "triangle";
      edge["target-arrow-color"] = colour("--button-border");
      edge["arrow-scale"] = 0.8;
    }
    return [
      {selector: "node", style: node},
      {selector: "edge", style: edge},
      {selector: "node:selected, node:grabbed", style: {"background-color": colour("--focus"),
        "border-width": 2, "border-color": colour("--text")}}
    ];
  }

  function wireToolbar() {
    var actions = {
      "zoom-in": function () { zoomBy(1.4); },
      "zoom-out": function () { zoomBy(1 / 1.4); },
      "fit": fitView
    };
    document.getElementById("graph-toolbar").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-graph]");
      if (button) actions[button.getAttribute("data-graph")]();
    });
  }

  function fitView() {
    // The whole graph in view, but a graph of three nodes is not blown up to
    // fill the box. From the nodes' positions alone: Cytoscape.js's own fit
    // measures every label first, seconds for 10,000 nodes.
    var x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    cy.nodes().forEach(function (node) {
      var at = node.position();
      x1 = Math.min(x1, at.x); x2 = Math.max(x2, at.x);
      y1 = Math.min(y1, at.y); y2 = Math.max(y2, at.y);
    });
    var margin = large ? 16 : 48;  // room for the nodes themselves and, when small, their labels
    var width = cy.width(), height = cy.height();
    var zoom = Math.min(FIT_MAX_ZOOM, (width - 2 * margin) / Math.max(x2 - x1, 1),
                        (height - 2 * margin) / Math.max(y2 - y1, 1));
    zoom = Math.max(cy.minZoom(), zoom);
    cy.viewport({zoom: zoom, pan: {x: (width - zoom * (x1 + x2)) / 2, y: (height - zoom * (y1 + y2)) / 2}});
  }

  function zoomBy(factor) {
    cy.zoom({level: cy.zoom() * factor, renderedPosition: {x: cy.width() / 2, y: cy.height() / 2}});
  }

  function wireSaving() {
    var unsaved = false;
    function changed() {
      unsaved = true;
      status.textContent = UNSAVED;
    }
    state.unsaved = function () { return unsaved; };
    form.hidden = false;  // the graph page's Save as layout: of use only with the drawing
    if (editable === "new" && field.value) {
      // Sent before and refused (the page again, with the reason): the nodes go back where they were dragged.
      var sent = readPositions(field.value);
      cy.nodes().forEach(function (node) {
        var at = sent[node.id()];
        if (at && typeof at.x === "number" && typeof at.y === "number") node.position({x: at.x, y: at.y});
      });
      fitView();
      changed();
    }
    cy.on("dragfree", "node", function (event) { moved(event.target); });
    state.moved = moved;
    function moved(node) {
      if (editable === "update") {
        // Only the moved node's entry changes: what else the field holds (typed, or of nodes the graph
        // no longer has) stays as it is.
        var positions = readPositions(field.value);
        positions[node.id()] = rounded(node.position());
        field.value = JSON.stringify(positions, null, 1);
      }
      changed();
    }
    if (editable === "update") field.addEventListener("input", changed);
    form.addEventListener("submit", function () {
      // Every node's place as drawn now, for a new layout (the cose or grid ones too, moved or not).
      if (editable === "new") field.value = JSON.stringify(allPositions());
      unsaved = false;
      status.textContent = "Saving…";
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved) return;
      event.preventDefault();
      event.returnValue = "";
    });
    if (saveButton) {
      saveButton.addEventListener("click", function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    }
  }

  function wireMoving() {
    // The keyboard's and screen reader's way to move a node: choose it in a list, then press a button.
    var box = document.getElementById("graph-move");
    var select = document.getElementById("graph-move-node");
    if (!box || !select) return;
    graph.nodes.forEach(function (node) {
      var option = document.createElement("option");
      option.value = node[0];
      option.textContent = node[1] === node[0] ? node[1] : node[1] + " (" + node[0] + ")";
      select.appendChild(option);
    });
    box.hidden = false;
    box.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      if (!button) return;
      var node = cy.getElementById(select.value);
      if (!node.length) return;
      var step = button.getAttribute("data-move").split(",").map(Number);
      var by = MOVE_STEP_PX / cy.zoom(), at = node.position();
      node.position({x: at.x + step[0] * by, y: at.y + step[1] * by});
      cy.$(":selected").unselect();
      node.select();
      state.moved(node);
    });
  }

  function readPositions(text) {
    try {
      var value = JSON.parse(text || "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch (error) {
      return {};
    }
  }

  function allPositions() {
    var result = {};
    cy.nodes().forEach(function (node) { result[node.id()] = rounded(node.position()); });
    return result;
  }

  function rounded(at) {
    // To 0.1 of the drawing's units: finer than a pixel at any zoom a person uses.
    return {x: Math.round(at.x * 10) / 10, y: Math.round(at.y * 10) / 10};
  }
})();
