/* kg view: draws the graph in #kg-data with sigma.js (WebGL) and graphology; search, filters,
   a time range, details with evidence, and a map of places. Everything it needs is in the page. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var lib = window.graphologyLibrary;
  var byId = function (id) { return document.getElementById(id); };

  // Small graphs are laid out before the first picture (deterministic: the screenshot, the tests);
  // larger ones in graphology-library's web worker, so the page stays responsive meanwhile.
  var SYNC_LAYOUT_MAX_NODES = 600;
  var EDGE_LABELS_MAX = 2000;
  // Clickable edges cost a second drawing of every edge (sigma's picking layer): with more shown,
  // relations are reached from their entities' panels instead.
  var EDGE_EVENTS_MAX = 3000;
  var PALETTE = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948",
                 "#ff9da7", "#9c755f", "#2f6f8f", "#8cd17d", "#d37295", "#79706e", "#a0cbe8"];
  var RELATION_PALETTE = ["#5b7fb5", "#c8585a", "#5f9e56", "#d98a3a", "#9a6fa0", "#4f9f9a",
                          "#b89a2a", "#c77c90", "#8a6a55", "#3f7f9f", "#7aa86c", "#b0658a"];
  var KIND_COLOR = { document: "#b5b5b5", quote: "#c9a860" };
  var LINK_COLOR = "#dddddd";
  var DIM = "#ececec";

  // ---- data ---------------------------------------------------------------------------------
  var info = {};          // node id -> its record from the graph file
  var edgeInfo = {};      // edge id -> its record
  var entityTypes = {}, relationTypes = {};
  DATA.nodes.forEach(function (n) {
    info[n.id] = n;
    if (n.kind === "entity") entityTypes[n.type || "?"] = (entityTypes[n.type || "?"] || 0) + 1;
  });
  DATA.edges.forEach(function (e) {
    if (e.kind === "relation") relationTypes[e.type || "?"] = (relationTypes[e.type || "?"] || 0) + 1;
  });
  var typeColor = {}, relationColor = {};
  Object.keys(entityTypes).sort().forEach(function (t, i) { typeColor[t] = PALETTE[i % PALETTE.length]; });
  Object.keys(relationTypes).sort().forEach(function (t, i) { relationColor[t] = RELATION_PALETTE[i % RELATION_PALETTE.length]; });

  function tint(hex, amount) {  // the colour mixed with white: what stays of the picture around a selection
    var v = parseInt(hex.slice(1), 16), mix = function (c) { return Math.round(c + (255 - c) * amount); };
    return "rgb(" + mix(v >> 16 & 255) + "," + mix(v >> 8 & 255) + "," + mix(v & 255) + ")";
  }
  function nodeColor(n) { return n.kind === "entity" ? typeColor[n.type || "?"] : (KIND_COLOR[n.kind] || "#aaa"); }
  // Sizes shrink with the graph's size: thousands of full-size discs would hide each other.
  var SCALE = Math.max(0.35, Math.min(1, Math.sqrt(400 / Math.max(1, DATA.nodes.length))));
  function nodeSize(n) {
    if (n.kind !== "entity") return 3 * SCALE;
    var m = typeof n.mentions === "number" ? n.mentions : (Array.isArray(n.mentions) ? n.mentions.length : 1);
    return (3 + 3 * Math.log(1 + Math.max(0, m))) * SCALE;
  }
  function hasPlace(n) {
    return n.kind === "entity" && typeof n.lat === "number" && typeof n.lon === "number" &&
      Math.abs(n.lat) <= 90 && Math.abs(n.lon) <= 180;
  }

  // A seeded generator: the same file gives the same picture every time it is opened.
  function mulberry32(seed) {
    return function () {
      seed |= 0; seed = seed + 0x6D2B79F5 | 0;
      var t = Math.imul(seed ^ seed >>> 15, 1 | seed);
      t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
      return ((t ^ t >>> 14) >>> 0) / 4294967296;
    };
  }
  var random = mulberry32(20240229);

  var graph = new graphology.MultiDirectedGraph({ allowSelfLoops: true });
  DATA.nodes.forEach(function (n) {
    if (graph.hasNode(n.id)) return;
    graph.addNode(n.id, {
      label: n.label, x: random() * 100 - 50, y: random() * 100 - 50,
      size: nodeSize(n), color: nodeColor(n), faded: tint(nodeColor(n), 0.75), kind: n.kind,
    });
  });
  var pairs = {};  // unordered node pair -> relation edges between them (drawn as curves when > 1)
  DATA.edges.forEach(function (e) {
    if (!graph.hasNode(e.source) || !graph.hasNode(e.target) || graph.hasEdge(e.id)) return;
    edgeInfo[e.id] = e;
    var relation = e.kind === "relation";
    var weight = typeof e.weight === "number" ? e.weight : 1;
    graph.addEdgeWithKey(e.id, e.source, e.target, {
      label: relation ? (e.label || e.type) : "",
      size: relation ? 1 + Math.min(3, Math.log2(1 + weight)) : 0.5,
      color: relation ? relationColor[e.type || "?"] : LINK_COLOR,
      type: relation ? "arrow" : "line",
      kind: e.kind,
      lw: relation ? 1 : (e.type === "MENTIONS" ? 0.3 : 0.05),  // layout weight
    });
    if (relation && e.source !== e.target) {
      var pair = e.source < e.target ? e.source + "\u0000" + e.target : e.target + "\u0000" + e.source;
      (pairs[pair] = pairs[pair] || []).push(e.id);
    }
  });
  Object.keys(pairs).forEach(function (pair) {
    var ids = pairs[pair];
    if (ids.length < 2) return;
    ids.forEach(function (id, i) {  // fan parallel relations out so each can be seen and clicked
      graph.mergeEdgeAttributes(id, { type: "curved", curvature: 0.15 + 0.2 * i });
    });
  });

  var dates = {};
  Object.keys(DATA.documents).forEach(function (d) { var p = DATA.documents[d].published; if (p) dates[p.slice(0, 10)] = 1; });
  DATA.edges.forEach(function (e) { if (e.first_seen) dates[e.first_seen] = 1; if (e.last_seen) dates[e.last_seen] = 1; });
  var timeline = Object.keys(dates).sort();

  // ---- state and filters ---------------------------------------------------------------------
  var state = {
    types: {}, relations: {}, minConfidence: 0, showDocuments: false,
    from: 0, to: Math.max(0, timeline.length - 1),
    selectedNode: null, selectedEdge: null, focusNodes: null, focusEdges: null,
  };
  Object.keys(entityTypes).forEach(function (t) { state.types[t] = true; });
  Object.keys(relationTypes).forEach(function (t) { state.relations[t] = true; });
  var visibleNodes = new Set(), visibleEdges = new Set();

  function timeActive() { return timeline.length > 1 && (state.from > 0 || state.to < timeline.length - 1); }
  function inRange(first, last) {
    if (!timeActive() || !first) return true;  // undated items stay shown
    last = last || first;
    return !(last < timeline[state.from] || first > timeline[state.to]);
  }
  function nodeDates(n) {
    if (n.kind === "document") { var p = DATA.documents[n.id] && DATA.documents[n.id].published; return p ? [p.slice(0, 10)] : null; }
    return n.dates && n.dates.length ? n.dates : null;
  }
  function nodePasses(id) {
    var n = info[id];
    if (n.kind === "entity") { if (!state.types[n.type || "?"]) return false; }
    else if (!state.showDocuments) return false;
    var d = nodeDates(n);
    if (!d || !timeActive()) return true;
    for (var i = 0; i < d.length; i++) if (inRange(d[i], d[i])) return true;
    return false;
  }
  function edgePasses(id, source, target) {
    if (!visibleNodes.has(source) || !visibleNodes.has(target)) return false;
    var e = edgeInfo[id];
    if (e.kind !== "relation") return state.showDocuments;
    if (!state.relations[e.type || "?"]) return false;
    if (typeof e.confidence === "number" && e.confidence < state.minConfidence) return false;
    return inRange(e.first_seen, e.last_seen);
  }

  function applyFilters() {
    visibleNodes = new Set();
    visibleEdges = new Set();
    graph.forEachNode(function (id) { if (nodePasses(id)) visibleNodes.add(id); });
    graph.forEachEdge(function (id, _a, source, target) { if (edgePasses(id, source, target)) visibleEdges.add(id); });
    showCounts();
    if (renderer) {
      var shown = shownRelations();
      renderer.setSetting("renderEdgeLabels", shown <= EDGE_LABELS_MAX || !!state.focusEdges);
      if (renderer.getSetting("enableEdgeEvents") !== (shown <= EDGE_EVENTS_MAX)) renderer.setSetting("enableEdgeEvents", shown <= EDGE_EVENTS_MAX);
      renderer.refresh();
    }
    drawMap();
  }

  var totals = {
    entities: DATA.nodes.filter(function (n) { return n.kind === "entity"; }).length,
    relations: DATA.edges.filter(function (e) { return e.kind === "relation" && edgeInfo[e.id]; }).length,
    documents: Object.keys(DATA.documents).length,
  };
  function shownEntities() { var c = 0; visibleNodes.forEach(function (id) { if (info[id].kind === "entity") c++; }); return c; }
  function shownRelations() { var c = 0; visibleEdges.forEach(function (id) { if (edgeInfo[id].kind === "relation") c++; }); return c; }
  function counts() {
    return { entities: totals.entities, relations: totals.relations, documents: totals.documents,
             shownEntities: shownEntities(), shownRelations: shownRelations() };
  }
  function showCounts() {
    var c = counts(), el = byId("counts");
    el.textContent = c.shownEntities + " of " + c.entities + (c.entities === 1 ? " entity, " : " entities, ") +
      c.shownRelations + " of " + c.relations + (c.relations === 1 ? " relation, " : " relations, ") +
      c.documents + (c.documents === 1 ? " document" : " documents");
    el.dataset.entities = c.entities; el.dataset.relations = c.relations;
    el.dataset.shownEntities = c.shownEntities; el.dataset.shownRelations = c.shownRelations;
  }

  // ---- drawing -------------------------------------------------------------------------------
  function nodeReducer(id, attrs) {
    if (!visibleNodes.has(id)) return Object.assign({}, attrs, { hidden: true });
    var out = Object.assign({}, attrs);
    if (state.focusNodes && !state.focusNodes.has(id)) { out.color = attrs.faded; out.zIndex = 0; }
    else if (state.focusNodes) { out.zIndex = 1; out.forceLabel = true; }
    if (id === state.selectedNode) { out.highlighted = true; out.zIndex = 2; }
    return out;
  }
  function edgeReducer(id, attrs) {
    if (!visibleEdges.has(id)) return Object.assign({}, attrs, { hidden: true });
    var out = Object.assign({}, attrs);
    if (state.focusEdges && !state.focusEdges.has(id)) { out.color = DIM; out.label = ""; out.zIndex = 0; }
    else if (state.focusEdges) { out.zIndex = 1; out.forceLabel = true; }
    if (id === state.selectedEdge) { out.color = "#d62728"; out.size = (attrs.size || 1) + 2; out.zIndex = 2; }
    return out;
  }

  var small = graph.order <= SYNC_LAYOUT_MAX_NODES;
  var fa2 = lib.layoutForceAtlas2;
  var layoutSettings = fa2.inferSettings(graph);
  layoutSettings.gravity = 1;
  layoutSettings.barnesHutOptimize = graph.order > 1000;
  if (small && graph.order > 1) {
    fa2.assign(graph, { iterations: graph.order <= 150 ? 400 : 200, settings: layoutSettings, getEdgeWeight: "lw" });
  }
  if (lib.layoutNoverlap && small && graph.order > 1) {
    lib.layoutNoverlap.assign(graph, { maxIterations: 100, settings: { ratio: 1.2, margin: 2 } });
  }

  applyFilters();
  var renderer = new Sigma(graph, byId("graph"), {
    renderEdgeLabels: shownRelations() <= EDGE_LABELS_MAX,
    enableEdgeEvents: shownRelations() <= EDGE_EVENTS_MAX,
    defaultEdgeType: "arrow",
    edgeProgramClasses: {
      arrow: Sigma.rendering.EdgeArrowProgram,
      line: Sigma.rendering.EdgeRectangleProgram,
      curved: Sigma.rendering.EdgeCurveProgram,
    },
    labelRenderedSizeThreshold: small ? 0 : 9,
    labelDensity: small ? 1 : 0.3,
    edgeLabelSize: 11,
    labelSize: 12,
    zIndex: true,
    stagePadding: 120,  // room for the labels, drawn to the right of their nodes
    hideEdgesOnMove: graph.size > 5000,
    nodeReducer: nodeReducer,
    edgeReducer: edgeReducer,
  });

  // The worker lays out a copy that nothing draws; the drawn graph takes its positions a few times
  // a second (each take redraws everything, which is what froze the page when done every step).
  // The next take waits four times as long as the last one lasted (up to 4 s), so a slow machine
  // spends about a fifth of its time redrawing and answers clicks and keys in between.
  var supervisor = null, layoutTimer = null, syncTimer = null, layoutGraph = null;
  function layoutRunning() { return !!(supervisor && supervisor.isRunning()); }
  function takePositions() {
    layoutGraph.forEachNode(function (id, p) {  // in place, without events: one redraw below, not two
      var attrs = graph.getNodeAttributes(id);
      attrs.x = p.x; attrs.y = p.y;
    });
    renderer.refresh();
  }
  function syncLoop() {
    var started = performance.now();
    takePositions();
    // Two frames later the drawing has reached the screen: with a software WebGL that is most
    // of the cost, and it does not show in the time the script took.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        var took = performance.now() - started;
        if (layoutRunning()) syncTimer = setTimeout(syncLoop, Math.min(4000, Math.max(300, 4 * took)));
      });
    });
  }
  function setLayoutButton() {
    byId("layout").textContent = layoutRunning() ? "Stop layout" : "Run layout";
    byId("status").textContent = layoutRunning() ? "laying out " + graph.order + " nodes…" : "";
  }
  function startLayout(ms) {
    if (!supervisor) {
      layoutGraph = new graphology.MultiDirectedGraph({ allowSelfLoops: true });
      graph.forEachNode(function (id, attrs) { layoutGraph.addNode(id, { x: attrs.x, y: attrs.y, size: attrs.size }); });
      graph.forEachEdge(function (id, attrs, source, target) { layoutGraph.addEdgeWithKey(id, source, target, { lw: attrs.lw }); });
      supervisor = new lib.FA2Layout(layoutGraph, { settings: layoutSettings, getEdgeWeight: "lw" });
    }
    supervisor.start();
    clearTimeout(layoutTimer); clearTimeout(syncTimer);
    if (ms) layoutTimer = setTimeout(stopLayout, ms);
    syncTimer = setTimeout(syncLoop, 300);
    setLayoutButton();
  }
  function stopLayout() {
    clearTimeout(layoutTimer); clearTimeout(syncTimer);
    if (supervisor && supervisor.isRunning()) { supervisor.stop(); takePositions(); }
    setLayoutButton();
  }
  byId("layout").addEventListener("click", function () { if (layoutRunning()) stopLayout(); else startLayout(0); });
  if (!small) startLayout(Math.min(30000, 4000 + 3 * graph.order));

  // ---- selection and details -----------------------------------------------------------------
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) Object.keys(props).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else if (k === "className") node.className = props[k];
      else if (k === "onclick") node.addEventListener("click", props[k]);
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function definitions(rows) {
    var dl = el("dl");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") return;
      dl.appendChild(el("dt", { text: r[0] }));
      dl.appendChild(typeof r[1] === "object" ? el("dd", null, [r[1]]) : el("dd", { text: String(r[1]) }));
    });
    return dl;
  }
  function nodeLink(id) {
    var n = info[id];
    return el("a", { className: "rel", href: "#", "data-node": id, text: n ? n.label : id,
                     onclick: function (ev) { ev.preventDefault(); selectNode(id, true); } });
  }
  function edgeLink(id, text) {
    return el("a", { className: "rel", href: "#", "data-edge": id, text: text,
                     onclick: function (ev) { ev.preventDefault(); selectEdge(id); } });
  }
  function documentName(doc) {
    var d = DATA.documents[doc];
    return d ? (d.title || doc) : doc;
  }
  function showDetails(children) {
    var panel = byId("details");
    panel.textContent = "";
    children.forEach(function (c) { if (c) panel.appendChild(c); });
  }
  function list(items, empty) {
    if (!items.length) return el("p", { className: "hint", text: empty });
    return el("ul", null, items.map(function (i) { return el("li", null, Array.isArray(i) ? i : [i]); }));
  }

  function nodeDetails(id) {
    var n = info[id];
    if (n.kind === "document") {
      var d = DATA.documents[id] || {};
      return [el("h3", { text: n.label }), el("div", { className: "type", text: "Document" }),
              definitions([["id", id], ["published", d.published], ["source", d.source], ["url", d.url],
                           ["authors", (n.authors || []).join(", ")]])];
    }
    if (n.kind === "quote") {
      return [el("h3", { text: "Quotation" }), el("blockquote", { text: n.text || n.label }),
              definitions([["kind", n.quote_kind], ["documents", (n.documents || []).map(documentName).join("; ")]])];
    }
    var relations = [];
    graph.forEachOutEdge(id, function (e, _a, _s, target) {
      if (edgeInfo[e].kind === "relation") relations.push([edgeLink(e, edgeInfo[e].label || edgeInfo[e].type), " → ", nodeLink(target)]);
    });
    graph.forEachInEdge(id, function (e, _a, source) {
      if (edgeInfo[e].kind === "relation") relations.push([nodeLink(source), " ", edgeLink(e, edgeInfo[e].label || edgeInfo[e].type), " → this"]);
    });
    var merged = (n.merged_from || []).map(function (m) {
      return [el("b", { text: m.name }), " — " + (m.reason || "merged") + (m.doc ? " (" + documentName(m.doc) + ")" : "")];
    });
    var place = hasPlace(n) ? n.lat.toFixed(3) + ", " + n.lon.toFixed(3) : null;
    var d = n.dates || [];
    return [
      el("h3", { text: n.label }),
      el("div", { className: "type" }, [el("span", { className: "swatch", style: "background:" + typeColor[n.type || "?"] }), " " + (n.type || "")]),
      definitions([["id", id], ["mentions", n.mentions], ["documents", n.documents],
                   ["published", d.length ? (d[0] === d[d.length - 1] ? d[0] : d[0] + " – " + d[d.length - 1]) : null],
                   ["lat, lon", place], ["country", n.country_code || n.iso_code], ["GeoNames", n.geonames_id]]),
      el("h2", { text: "Aliases" }), list((n.aliases || []).slice(), "none"),
      el("h2", { text: "Merged from" }), list(merged, "nothing merged"),
      el("h2", { text: "Relations" }), list(relations, "none"),
    ];
  }

  function edgeDetails(id) {
    var e = edgeInfo[id];
    var head = el("h3", null, [nodeLink(e.source), " " + (e.label || e.type) + " ", nodeLink(e.target)]);
    var seen = e.first_seen ? (e.last_seen && e.last_seen !== e.first_seen ? e.first_seen + " – " + e.last_seen : e.first_seen) : null;
    var flags = el("div", null, [e.past ? el("span", { className: "flag", text: "past" }) : null,
                                 e.negated ? el("span", { className: "flag", text: "negated" }) : null,
                                 e.modality && e.modality !== "asserted" ? el("span", { className: "flag", text: e.modality }) : null]);
    var evidence = (e.evidence || []).map(function (ev) {
      var doc = DATA.documents[ev.doc] || {};
      var where = [documentName(ev.doc), doc.published || "date unknown"].concat(ev.rule ? ["found by " + ev.rule] : []);
      return el("div", { className: "evidence" }, [el("blockquote", { text: ev.sentence || "" }),
                                                 el("div", { className: "source", text: where.join(" · ") })]);
    });
    return [head, el("div", { className: "type", text: e.type }), flags,
            definitions([["confidence", typeof e.confidence === "number" ? e.confidence.toFixed(2) : null],
                         ["seen", seen], ["evidence", e.weight], ["documents", e.documents],
                         ["found by", (e.sources || []).join(", ")],
                         ["similarity", e.similarity], ["count", e.count]]),
            e.kind === "relation" ? el("h2", { text: "Evidence" }) : null]
      .concat(e.kind === "relation" ? (evidence.length ? evidence : [el("p", { className: "hint", text: "no evidence kept" })]) : []);
  }

  function selectNode(id, moveCamera) {
    if (!graph.hasNode(id)) return;
    state.selectedNode = id; state.selectedEdge = null;
    state.focusNodes = new Set([id]); state.focusEdges = new Set();
    graph.forEachEdge(id, function (e, _a, s, t) { state.focusEdges.add(e); state.focusNodes.add(s); state.focusNodes.add(t); });
    showDetails(nodeDetails(id));
    if (moveCamera) {
      var d = renderer.getNodeDisplayData(id);
      if (d) renderer.getCamera().animate({ x: d.x, y: d.y, ratio: Math.min(renderer.getCamera().ratio, 0.6) }, { duration: 300 });
    }
    applyFilters();
  }
  function selectEdge(id) {
    if (!graph.hasEdge(id)) return;
    state.selectedEdge = id; state.selectedNode = null;
    state.focusNodes = new Set(graph.extremities(id)); state.focusEdges = new Set([id]);
    showDetails(edgeDetails(id));
    applyFilters();
  }
  function hint() {
    return el("p", { className: "hint", text: shownRelations() <= EDGE_EVENTS_MAX
      ? "Click an entity or a relation to see its names, reasons and evidence."
      : "Click an entity to see its names, reasons and relations; its relations lead to their evidence. " +
        "(Relations become clickable in the picture when " + EDGE_EVENTS_MAX + " or fewer are shown.)" });
  }
  function clearSelection() {
    state.selectedNode = state.selectedEdge = null; state.focusNodes = state.focusEdges = null;
    applyFilters();
    showDetails([hint()]);
  }
  showDetails([hint()]);
  renderer.on("clickNode", function (p) { selectNode(p.node, false); });
  renderer.on("clickEdge", function (p) { selectEdge(p.edge); });
  renderer.on("clickStage", clearSelection);
  renderer.on("enterNode", function () { byId("graph").style.cursor = "pointer"; });
  renderer.on("leaveNode", function () { byId("graph").style.cursor = ""; });
  renderer.on("enterEdge", function () { byId("graph").style.cursor = "pointer"; });
  renderer.on("leaveEdge", function () { byId("graph").style.cursor = ""; });

  // ---- search --------------------------------------------------------------------------------
  function fold(s) { return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var names = [];  // [folded name, node id, the name as written, is an alias]
  DATA.nodes.forEach(function (n) {
    if (n.kind !== "entity") return;
    names.push([fold(n.label), n.id, n.label, false]);
    (n.aliases || []).forEach(function (a) { names.push([fold(a), n.id, a, true]); });
  });
  var results = [], active = 0;
  function search(query) {
    var q = fold(query.trim());
    if (!q) return [];
    var found = {}, ranked = [];
    names.forEach(function (entry) {
      var at = entry[0].indexOf(q);
      if (at < 0) return;
      var rank = (entry[0] === q ? 0 : at === 0 ? 1 : /\W/.test(entry[0].charAt(at - 1)) ? 2 : 3) + (entry[3] ? 0.5 : 0);
      if (found[entry[1]] === undefined || rank < found[entry[1]].rank) found[entry[1]] = { id: entry[1], rank: rank, name: entry[2], alias: entry[3] };
    });
    Object.keys(found).forEach(function (id) { ranked.push(found[id]); });
    ranked.sort(function (a, b) { return a.rank - b.rank || (info[b.id].mentions || 0) - (info[a.id].mentions || 0) || (info[a.id].label < info[b.id].label ? -1 : 1); });
    return ranked.slice(0, 50);
  }
  function showResults() {
    var ul = byId("results");
    ul.textContent = "";
    results.forEach(function (r, i) {
      var n = info[r.id];
      ul.appendChild(el("li", { role: "option", "data-node": r.id, className: i === active ? "active" : "",
                                onclick: function () { selectNode(r.id, true); } },
                        [el("span", { className: "swatch", style: "background:" + typeColor[n.type || "?"] }), " " + n.label,
                         r.alias ? el("span", { className: "alias", text: " (" + r.name + ")" }) : null]));
    });
    if (byId("search").value.trim() && !results.length) ul.appendChild(el("li", { className: "hint", text: "no entity by that name" }));
  }
  byId("search").addEventListener("input", function () { results = search(this.value); active = 0; showResults(); });
  byId("search").addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      active = Math.max(0, Math.min(results.length - 1, active + (ev.key === "ArrowDown" ? 1 : -1)));
      showResults(); ev.preventDefault();
    } else if (ev.key === "Enter" && results[active]) {
      selectNode(results[active].id, true);
    }
  });

  // ---- filter controls -----------------------------------------------------------------------
  function checkboxes(container, counts, colors, target) {
    Object.keys(counts).sort().forEach(function (t) {
      var box = el("input", { type: "checkbox", "data-type": t });
      box.checked = true;
      box.addEventListener("change", function () { target[t] = box.checked; applyFilters(); });
      byId(container).appendChild(el("label", { className: "check" },
        [box, el("span", { className: "swatch", style: "background:" + colors[t] }), " " + t, el("span", { className: "n", text: String(counts[t]) })]));
    });
  }
  checkboxes("entity-types", entityTypes, typeColor, state.types);
  checkboxes("relation-types", relationTypes, relationColor, state.relations);
  byId("show-documents").addEventListener("change", function () { state.showDocuments = this.checked; applyFilters(); });
  byId("min-confidence").addEventListener("input", function () {
    state.minConfidence = parseFloat(this.value);
    byId("min-confidence-value").textContent = state.minConfidence.toFixed(2);
    applyFilters();
  });
  function showTime() {
    byId("time-from-value").textContent = timeline[state.from] || "";
    byId("time-to-value").textContent = timeline[state.to] || "";
  }
  if (timeline.length) {
    ["time-from", "time-to"].forEach(function (id) { var r = byId(id); r.max = String(timeline.length - 1); });
    byId("time-from").value = "0"; byId("time-to").value = String(timeline.length - 1);
    byId("time-from").addEventListener("input", function () {
      state.from = parseInt(this.value, 10);
      if (state.from > state.to) { state.to = state.from; byId("time-to").value = String(state.to); }
      showTime(); applyFilters();
    });
    byId("time-to").addEventListener("input", function () {
      state.to = parseInt(this.value, 10);
      if (state.to < state.from) { state.from = state.to; byId("time-from").value = String(state.from); }
      showTime(); applyFilters();
    });
    showTime();
    if (timeline.length === 1) { byId("time-from").disabled = true; byId("time-to").disabled = true; }
  } else {
    byId("time").hidden = true;
  }

  // ---- map -----------------------------------------------------------------------------------
  // Places by longitude and latitude on a plain equirectangular grid: no tiles, no network.
  var places = DATA.nodes.filter(hasPlace);
  var mapCanvas = byId("map-canvas");
  function mapPoint(n) { return [(n.lon + 180) / 360 * mapCanvas.width, (90 - n.lat) / 180 * mapCanvas.height]; }
  function drawMap() {
    if (!places || !places.length) return;  // also: called by the first filtering, before the map is set up
    var ctx = mapCanvas.getContext("2d"), w = mapCanvas.width, h = mapCanvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#f3f6fa"; ctx.fillRect(0, 0, w, h);
    ctx.lineWidth = 1;
    ctx.lineWidth = 0.5;
    for (var lon = -150; lon <= 150; lon += 30) {
      ctx.strokeStyle = lon === 0 ? "#c5cdd8" : "#e1e6ee";
      ctx.beginPath(); ctx.moveTo((lon + 180) / 360 * w + 0.5, 0); ctx.lineTo((lon + 180) / 360 * w + 0.5, h); ctx.stroke();
    }
    for (var lat = -60; lat <= 60; lat += 30) {
      ctx.strokeStyle = lat === 0 ? "#c5cdd8" : "#e1e6ee";
      ctx.beginPath(); ctx.moveTo(0, (90 - lat) / 180 * h + 0.5); ctx.lineTo(w, (90 - lat) / 180 * h + 0.5); ctx.stroke();
    }
    places.forEach(function (n) {
      if (!visibleNodes.has(n.id)) return;
      var p = mapPoint(n), focused = !state.focusNodes || state.focusNodes.has(n.id);
      ctx.beginPath(); ctx.arc(p[0], p[1], places.length > 200 ? 1.2 : Math.min(6, 2 + nodeSize(n) / 6), 0, 2 * Math.PI);
      ctx.fillStyle = focused ? typeColor[n.type || "?"] : "#cfcfcf"; ctx.fill();
      if (n.id === state.selectedNode) { ctx.strokeStyle = "#d62728"; ctx.lineWidth = 2; ctx.stroke(); ctx.lineWidth = 1; }
    });
    ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
    places.forEach(function (n) {
      if (!visibleNodes.has(n.id) || (state.focusNodes && !state.focusNodes.has(n.id))) return;
      if (places.length > 12 && n.id !== state.selectedNode) return;
      var p = mapPoint(n); ctx.fillText(n.label, p[0] + 5, p[1] - 4);
    });
  }
  function nearestPlace(ev) {
    var rect = mapCanvas.getBoundingClientRect();
    var x = (ev.clientX - rect.left) * mapCanvas.width / rect.width, y = (ev.clientY - rect.top) * mapCanvas.height / rect.height;
    var best = null, bestDistance = 64;
    places.forEach(function (n) {
      if (!visibleNodes.has(n.id)) return;
      var p = mapPoint(n), d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y);
      if (d < bestDistance) { best = n; bestDistance = d; }
    });
    return best;
  }
  if (places.length) {
    byId("map").hidden = false;
    byId("map-caption").textContent = places.length + (places.length === 1 ? " place" : " places") + " by latitude and longitude";
    mapCanvas.addEventListener("click", function (ev) { var n = nearestPlace(ev); if (n) selectNode(n.id, true); });
    mapCanvas.addEventListener("mousemove", function (ev) { var n = nearestPlace(ev); mapCanvas.title = n ? n.label : ""; });
    drawMap();
  }

  // ---- for scripts and tests: counts, where an item is drawn, whether the layout runs ----------
  window.kgView = {
    ready: true,
    graph: graph,
    renderer: renderer,
    counts: counts,
    layoutRunning: layoutRunning,
    stopLayout: stopLayout,
    nodePoint: function (id) { return renderer.framedGraphToViewport(renderer.getNodeDisplayData(id)); },
    edgePoint: function (id, along) {  // a point of a straight edge, its middle by default (a curved one bends away from it)
      var ends = graph.extremities(id).map(function (n) { return renderer.framedGraphToViewport(renderer.getNodeDisplayData(n)); });
      var t = typeof along === "number" ? along : 0.5;
      return { x: ends[0].x + t * (ends[1].x - ends[0].x), y: ends[0].y + t * (ends[1].y - ends[0].y) };
    },
  };
  document.body.dataset.ready = "true";
})();
