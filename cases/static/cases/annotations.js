/* Key-image annotations: arrows, circles and labels an educator drew, kept as data and drawn here as SVG
   over the image (never into its pixels). Coordinates are fractions (0–1) of the image's width and height.

   window.SinsAnnotations.draw(svg, shapes, width, height) draws shapes into an <svg> laid over an image of that
   natural size; the viewBox is the image's pixels and preserveAspectRatio matches `object-fit: contain`.
   It also draws:
   - [data-annotated][data-width][data-height][data-shapes]: a thumbnail with its shapes (the admin);
   - the feedback's key images: per item, [data-key-item] (data-slice, -series, -number, -width, -height,
     -shapes) with a "show it" link [data-key-show] and a toggle [data-key-toggle]. The shapes of the item
     last shown are drawn over the viewer while it shows that item's key image; the viewer says which image
     it shows with a `viewer:slice` event ({series, index, slicePk}). */
(() => {
"use strict";

const NS = "http://www.w3.org/2000/svg";
const COLOUR = "#ffd21f";
const HALO = "rgb(0 0 0 / .75)";

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.append(node);
  return node;
}

// A stroke drawn twice, dark under bright, so it reads on white bone and black air alike.
function stroke(kind, attrs, parent) {
  const common = { fill: "none", "vector-effect": "non-scaling-stroke", "stroke-linecap": "round", "stroke-linejoin": "round" };
  el(kind, { ...attrs, ...common, stroke: HALO, "stroke-width": 5 }, parent);
  el(kind, { ...attrs, ...common, stroke: COLOUR, "stroke-width": 2.5 }, parent);
}

function text(content, x, y, anchor, size, parent) {
  const t = el("text", {
    x, y, "text-anchor": anchor, "dominant-baseline": "middle", "font-size": size, "font-weight": 600,
    "font-family": "system-ui, sans-serif", fill: COLOUR, stroke: HALO, "stroke-width": size / 6,
    "paint-order": "stroke", "stroke-linejoin": "round",
  }, parent);
  t.textContent = content;
  return t;
}

function draw(svg, shapes, width, height) {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  svg.replaceChildren();
  const unit = Math.max(width, height) / 100; // a hundredth of the long side
  const size = 4.2 * unit;
  shapes.forEach((s, i) => {
    const g = el("g", { class: `annotation annotation-${s.kind}`, "data-shape": i }, svg);
    const [x1, y1, x2, y2] = [s.x1 * width, s.y1 * height, s.x2 * width, s.y2 * height];
    if (s.kind === "arrow") {
      const angle = Math.atan2(y2 - y1, x2 - x1);
      const head = Math.min(Math.hypot(x2 - x1, y2 - y1) * 0.4, 4 * unit);
      const wing = (turn) => [x2 - head * Math.cos(angle + turn), y2 - head * Math.sin(angle + turn)].join(" ");
      stroke("path", { d: `M${x1} ${y1}L${x2} ${y2}M${wing(0.45)}L${x2} ${y2}L${wing(-0.45)}` }, g);
      // The label sits behind the tail, away from what the arrow points at.
      const dx = Math.cos(angle) * unit * 1.5;
      const dy = Math.sin(angle) * unit * 1.5;
      if (s.label) text(s.label, x1 - dx, y1 - dy, x2 >= x1 ? "end" : "start", size, g);
    } else if (s.kind === "circle") {
      const [rx, ry] = [Math.abs(x2 - x1) / 2, Math.abs(y2 - y1) / 2];
      stroke("ellipse", { cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, rx, ry }, g);
      const below = Math.max(y1, y2) + size;
      if (s.label) text(s.label, (x1 + x2) / 2, below < height ? below : Math.min(y1, y2) - size, "middle", size, g);
    } else if (s.kind === "label") {
      text(s.label, x1, y1, x1 > 0.7 * width ? "end" : "start", size, g);
    }
  });
}

// --- Thumbnails with their shapes (the admin's overview) ---------------------------------------------------

function thumbnails(root) {
  for (const box of root.querySelectorAll("[data-annotated]")) {
    const shapes = JSON.parse(box.dataset.shapes || "[]");
    if (!shapes.length || box.querySelector("svg")) continue;
    const svg = el("svg", { class: "annotation-layer", "aria-hidden": "true", focusable: "false" }, box);
    draw(svg, shapes, +box.dataset.width, +box.dataset.height);
  }
}

// --- The feedback: the shapes over the viewer, on the key image of the item last shown ---------------------

function feedback() {
  const viewer = document.querySelector("[data-viewer]");
  const blocks = [...document.querySelectorAll("[data-key-item]")];
  if (!viewer || !blocks.some((b) => b.querySelector("[data-key-toggle]"))) return;
  let active = null; // the block whose "show it" was followed last
  let current = null; // the slice the viewer shows
  const layers = new Map(); // stack frame -> its svg, following the image's zoom and pan

  function layerFor(frame) {
    if (!layers.has(frame)) {
      const image = frame.querySelector("[data-image]");
      const svg = el("svg", { class: "annotation-layer key-annotations", "aria-hidden": "true", focusable: "false" });
      image.after(svg);
      // The viewer zooms and pans the image with a CSS transform: the shapes follow it.
      const follow = () => (svg.style.transform = image.style.transform);
      new MutationObserver(follow).observe(image, { attributes: true, attributeFilter: ["style"] });
      follow();
      layers.set(frame, svg);
    }
    return layers.get(frame);
  }

  function update() {
    for (const svg of layers.values()) svg.toggleAttribute("hidden", true);
    const key = active?.dataset;
    if (!key || +key.slice !== current || !active.querySelector("[data-key-toggle]").checked) return;
    const frame = viewer.querySelector(`#series-${key.series} [data-frame]`);
    if (!frame) return;
    const svg = layerFor(frame);
    draw(svg, JSON.parse(key.shapes), +key.width, +key.height);
    svg.toggleAttribute("hidden", false);
  }

  // Listening on the document: this script runs before the viewer's, so it hears the first image too.
  document.addEventListener("viewer:slice", (e) => {
    if (!viewer.contains(e.target)) return;
    current = e.detail.slicePk;
    update();
  });
  for (const block of blocks) {
    const toggle = block.querySelector("[data-key-toggle]");
    toggle?.closest("[hidden]")?.removeAttribute("hidden");
    toggle?.addEventListener("change", update);
    // Every item's "show it" moves the shapes on: an item without shapes shows none, not the last item's.
    block.querySelector("[data-key-show]")?.addEventListener("click", (e) => {
      active = toggle ? block : null;
      if (e.currentTarget.hash === location.hash && window.SinsViewer) {
        // The same address again makes no hashchange: move the viewer back to the key image here.
        e.preventDefault();
        window.SinsViewer.show(viewer, block.dataset.series, +block.dataset.number);
        viewer.scrollIntoView({ block: "nearest" });
      }
      update();
    });
  }
}

window.SinsAnnotations = { draw };
function start() {
  thumbnails(document);
  feedback();
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
})();
