/* The admin's key-image editor (admin/cases/case/key_image.html): the chosen thumbnail's image, large, with
   arrows, circles and labels drawn on it by dragging or clicking. The shapes live in the form's hidden
   `shapes` field as JSON (fractions of the image, 0–1); the server checks every one of them on save. */
(() => {
"use strict";

const MIN = 0.01; // smaller than this is a slip of the mouse (the server says the same)
const NAMES = { arrow: "Arrow", circle: "Circle", label: "Label" };
const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;

function editor(form) {
  const $ = (sel) => form.querySelector(sel);
  const field = form.querySelector("input[name=shapes]");
  const stage = $("[data-stage]");
  const list = $("[data-shapes]");
  const status = $("[data-status]");
  const labelText = $("[data-label-text]");
  const images = JSON.parse(document.getElementById("key-image-sources").textContent);
  let shapes = [];
  try {
    shapes = JSON.parse(field.value || "[]");
  } catch {
    shapes = [];
  }
  let image = null; // the chosen image: {src, width, height, alt}
  let drag = null;

  $("[data-tools]").hidden = $("[data-help]").hidden = false;
  const img = Object.assign(document.createElement("img"), { className: "ki-image", draggable: false });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.classList.add("annotation-layer", "ki-canvas");
  svg.setAttribute("aria-hidden", "true");
  const frame = Object.assign(document.createElement("div"), { className: "ki-frame" });
  frame.append(img, svg);
  stage.append(frame);

  const tool = () => form.querySelector("input[name=tool]:checked").value;
  const say = (message) => (status.textContent = message);

  function choose() {
    const pk = form.querySelector("input[name=slice]:checked")?.value;
    image = pk ? images[pk] : null;
    $("[data-empty]").hidden = !!image;
    frame.hidden = !image;
    if (image) Object.assign(img, { src: image.src, alt: image.alt, width: image.width, height: image.height });
    render();
  }

  function render(preview) {
    field.value = JSON.stringify(shapes);
    if (image) SinsAnnotations.draw(svg, preview ? [...shapes, preview] : shapes, image.width, image.height);
    if (preview) return;
    list.replaceChildren(
      ...shapes.map((s, i) => {
        const li = document.createElement("li");
        li.textContent = `${NAMES[s.kind] || s.kind}${s.label ? ` — “${s.label}”` : ""} `;
        const remove = Object.assign(document.createElement("button"), { type: "button", className: "button", textContent: "Remove" });
        remove.setAttribute("aria-label", `Remove shape ${i + 1}`);
        remove.addEventListener("click", () => {
          shapes.splice(i, 1);
          render();
          say(`Removed shape ${i + 1}.`);
        });
        li.append(remove);
        return li;
      }),
    );
  }

  // Where a pointer is, as fractions of the image, which is contained (centred, letterboxed) in the frame.
  function at(e) {
    const r = svg.getBoundingClientRect();
    const scale = Math.min(r.width / image.width, r.height / image.height);
    const [w, h] = [image.width * scale, image.height * scale];
    const [left, top] = [r.left + (r.width - w) / 2, r.top + (r.height - h) / 2];
    return [round((e.clientX - left) / w), round((e.clientY - top) / h)];
  }

  function shape(end) {
    const [x1, y1] = drag.start;
    const [x2, y2] = end;
    const label = labelText.value.trim();
    return { kind: drag.kind, x1, y1, x2, y2, label };
  }

  svg.addEventListener("pointerdown", (e) => {
    if (!image || e.button !== 0) return;
    e.preventDefault();
    svg.setPointerCapture(e.pointerId);
    drag = { kind: tool(), start: at(e) };
  });
  svg.addEventListener("pointermove", (e) => {
    if (drag && drag.kind !== "label") render(shape(at(e)));
  });
  const finish = (e) => {
    if (!drag) return;
    const s = shape(at(e));
    drag = null;
    if (s.kind === "label") {
      if (!s.label) {
        render();
        labelText.focus();
        return say("Type the label's text first, then click where it goes.");
      }
      Object.assign(s, { x2: s.x1, y2: s.y1 });
    } else {
      const [w, h] = [Math.abs(s.x2 - s.x1), Math.abs(s.y2 - s.y1)];
      if (s.kind === "arrow" ? w < MIN && h < MIN : w < MIN || h < MIN) {
        render();
        return say(s.kind === "arrow" ? "Drag from the arrow's tail to what it points at." : "Drag across what the circle should surround.");
      }
    }
    shapes.push(s);
    labelText.value = "";
    render();
    say(`Added ${NAMES[s.kind].toLowerCase()} ${shapes.length}${s.label ? `, “${s.label}”` : ""}.`);
  };
  svg.addEventListener("pointerup", finish);
  svg.addEventListener("pointercancel", () => {
    drag = null;
    render();
  });

  $("[data-undo]").addEventListener("click", () => {
    if (shapes.pop()) say("Removed the last shape.");
    render();
  });
  $("[data-clear]").addEventListener("click", () => {
    shapes = [];
    render();
    say("Removed every shape.");
  });
  // Enter in the label box must not submit the form half-way through drawing.
  labelText.addEventListener("keydown", (e) => e.key === "Enter" && e.preventDefault());
  // Shapes mark places on one image: another image starts with none (the old ones would point at nothing).
  const pick = () => {
    const dropped = shapes.length;
    shapes = [];
    choose();
    if (dropped) say(`Another image: its ${dropped} shape${dropped > 1 ? "s were" : " was"} drawn on the old one and removed.`);
  };
  for (const radio of form.querySelectorAll("input[name=slice]")) radio.addEventListener("change", pick);
  choose();
}

function start() {
  document.querySelectorAll("form[data-annotate]").forEach(editor);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
})();
