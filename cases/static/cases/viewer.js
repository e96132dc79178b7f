/* SINS Quiz image viewer: series tabs, stack scrolling, zoom and pan, brightness/contrast or windows, full screen.
   Enhances the markup of cases/includes/viewer.html (its comment is the contract). No library, no outside request.
   window.SinsViewer = {init(root), show(root, seriesId, imageNumber)}; the hash #series-<pk>:<n> opens image n.
   Whenever the image shown changes, the root element dispatches "viewer:slice" (bubbling) with
   detail {series, index, slicePk}: series pk, 0-based index in the stack, the slice's pk.
   A series from DICOM has windows instead of brightness/contrast presets: each is an 8-bit derivative made in that
   window (the study's own; for CT bone and soft tissue too), and a drag narrows or moves the window on it with CSS
   filters, whose width and level the info line shows in the series' units. */
(() => {
"use strict";

// name: [brightness, contrast, invert], applied to the image as CSS filters
const PRESETS = {
  default: [1, 1, 0], brighter: [1.35, 1, 0], contrast: [1, 1.6, 0], soft: [1.1, 0.75, 0], invert: [1, 1, 1],
};
const MAX_ZOOM = 8;
const NOTCH = 50; // wheel pixels per image: a mouse notch is one image, a smooth trackpad does not fly
const FETCHES = 4; // images of a stack fetched at once: enough to fill a slow link, few enough to re-aim quickly
const HASH = /^#series-(\d+)(?::(\d+))?$/;
const KEYS = {
  ArrowUp: "prev", ArrowDown: "next", PageUp: "page-up", PageDown: "page-down", Home: "first", End: "last",
  "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", 0: "reset", f: "fullscreen", w: "window", Escape: "escape",
  1: "window-1", 2: "window-2", 3: "window-3",
};
const NARROWEST = 10; // a drag narrows a window to a tenth of its derivative's: 25 grey levels of 256 remain
const instances = new WeakMap();
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const idle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 4000 }) : setTimeout(fn, 300));
const attrs = (el, values) => Object.entries(values).forEach(([name, value]) => el.setAttribute(name, value));
let uid = 0;

class Viewer {
  constructor(root) {
    const $ = (sel) => root.querySelector(sel);
    Object.assign(this, { root, pts: new Map(), acc: 0 });
    this.bar = $("[data-toolbar]");
    this.slider = $("[data-slider]");
    this.adjust = $("[data-adjust]");
    this.status = $("[data-status]");
    this.presets = [...root.querySelectorAll("[data-preset]")];
    this.photo = $("[data-presets]");
    // The photographic labels, as the template wrote them; a stack with windows relabels these buttons.
    this.labels = Object.fromEntries(["adjust", "reset", "window"].map((a) => [a, this.button(a)?.title]));
    this.steps = [this.button("prev"), this.button("next")];
    this.stacks = [...root.querySelectorAll("[data-stack]")].map((el) => this.stack(el));
    if (!this.stacks.length) return;

    root.classList.add("is-ready");
    this.adjust.id ||= `viewer-adjust-${++uid}`;
    this.button("adjust").setAttribute("aria-controls", this.adjust.id);
    const tabs = $("[data-tabs]");
    tabs?.setAttribute("role", "tablist");
    tabs?.addEventListener("wheel", (e) => this.wheelTabs(e, tabs), { passive: false });
    root.addEventListener("keydown", (e) => this.key(e));
    root.addEventListener("click", (e) => this.click(e));
    this.slider.addEventListener("input", () => this.go(this.slider.valueAsNumber - 1));
    document.addEventListener("fullscreenchange", () => this.setFull(this.nativeFull()));
    addEventListener("hashchange", () => root.isConnected && this.fromHash(true, true));
    if (!this.fromHash(true)) this.select(this.stacks[0]);
    // The shown stack loads first, then the others while the browser is idle.
    idle(() => this.cur.loading.then(() => idle(() => this.stacks.forEach((st) => this.preload(st)))));
  }

  stack(el) {
    const frame = el.querySelector("[data-frame]");
    const tab = this.root.querySelector(`[data-tab="${CSS.escape(el.id)}"]`);
    const id = el.dataset.series || el.id.replace("series-", "");
    const st = { el, tab, frame, id, loading: Promise.resolve(), key: "src", sets: {} };
    el.setAttribute("role", "tabpanel");
    if (tab) {
      tab.id ||= `${el.id}-tab`;
      attrs(tab, { role: "tab", "aria-controls": el.id });
      el.setAttribute("aria-labelledby", tab.id);
    }
    if (!frame) return st;
    st.img = frame.querySelector("[data-image]");
    st.counter = frame.querySelector("[data-counter]");
    st.info = frame.querySelector("[data-info]");
    st.slices = [...el.querySelectorAll("[data-slices] a")].map((a) => ({ ...a.dataset, pk: +a.dataset.slice }));
    st.i = st.shown = clamp(parseInt(frame.dataset.start, 10) || 0, 0, st.slices.length - 1);
    st.loading = new Promise((loaded) => (st.loaded = loaded)); // when one of its windows is all in
    st.wins = this.windows(el.id);
    this.resetView(st);
    st.counter.hidden = st.info.hidden = st.img.draggable = false;
    frame.toggleAttribute("data-single", st.slices.length < 2); // its touches scroll the page (viewer.css)
    frame.tabIndex = 0;
    const label = `${el.dataset.label || "Images"}: up and down arrows change the image; zoomed in, Shift and the arrows move it`;
    attrs(frame, { role: "group", "aria-label": label });
    // The right button adjusts brightness (no context menu); Safari's own pinch gesture must not zoom the page.
    const handlers = { wheel: "wheel", pointerdown: "down", pointermove: "move", pointerup: "up", pointercancel: "up" };
    Object.assign(handlers, { contextmenu: "stop", gesturestart: "stop" });
    for (const [type, m] of Object.entries(handlers)) frame.addEventListener(type, (e) => this[m](e), { passive: false });
    return st;
  }

  // The windows a stack offers, from its buttons in the adjust panel; null for pictures (brightness/contrast).
  windows(id) {
    const group = this.root.querySelector(`[data-windows="${CSS.escape(id)}"]`);
    if (!group) return null;
    const list = [...group.querySelectorAll("[data-window-preset]")].map((button) => {
      const { windowPreset: key, width, level } = button.dataset;
      return { key, w: +width, l: +level, button, text: button.textContent.trim() };
    });
    const by = Object.fromEntries(list.map((win) => [win.key, win]));
    return list.length && by.src ? { group, list, by, unit: group.dataset.unit || "" } : null;
  }

  stop(e) {
    e.preventDefault();
  }

  button(action) {
    return this.root.querySelector(`[data-action="${action}"]`);
  }

  resetView(st) {
    Object.assign(st, { s: 1, x: 0, y: 0, b: 1, c: 1, inv: 0, preset: "default" });
    // A stack with windows returns to the study's own (reset() shows its derivative again).
    if (st.wins) Object.assign(st, { preset: "src", W: st.wins.by.src.w, L: st.wins.by.src.l, limit: "" });
  }

  // --- Showing -------------------------------------------------------------------------------------------

  select(st, focus) {
    if (this.cur !== st) {
      this.cur = st;
      this.acc = 0;
      for (const o of this.stacks) {
        o.el.hidden = o !== st;
        if (o.tab) attrs(o.tab, { "aria-selected": o === st, tabindex: o === st ? 0 : -1 });
      }
      this.bar.hidden = !st.frame;
      if (!st.frame) this.toggleAdjust(false);
      this.relabel(st);
      const n = st.slices?.length || 1;
      Object.assign(this.slider, { max: n, disabled: n < 2 });
      for (const b of this.steps) b.disabled = n < 2;
      this.revealTab(st.tab);
      this.preload(st);
      this.render();
    }
    if (focus) st.tab?.focus();
  }

  // The adjust panel offers the stack's windows, or brightness and contrast; the buttons say which.
  relabel(st) {
    const win = st.wins;
    this.photo.hidden = !!win;
    for (const o of this.stacks) if (o.wins) o.wins.group.hidden = o !== st;
    const adjust = win ? "Window and level" : this.labels.adjust;
    attrs(this.button("adjust"), { "aria-label": adjust, title: adjust });
    this.adjust.setAttribute("aria-label", adjust);
    const reset = win ? "Reset zoom and window" : this.labels.reset.replace(/ \(0\)$/, "");
    attrs(this.button("reset"), { "aria-label": reset, title: `${reset} (0)` });
    let drag = this.labels.window;
    if (win) {
      // Each preset's image holds only its own window: a wider one needs the widest preset.
      const widest = win.list.reduce((p, q) => (q.w > p.w ? q : p));
      drag = "Drag on the image: sideways for the window's width, up and down for its level (W). Right-drag always " +
        "does this. The window stays within the chosen preset's" +
        (win.list.length > 1 ? `: for a wider window choose ${widest.text.replace(/ \(.*/, "")}.` : ".");
    }
    this.button("window").title = drag;
  }

  // Said when a drag would widen the window beyond what the preset's image holds.
  widestNote(st) {
    const { list, by } = st.wins;
    const wider = list.filter((o) => o.w > by[st.key].w).sort((p, q) => q.w - p.w)[0];
    return wider ? `This is the widest window of this preset: for a wider one choose ${wider.text}.`
      : "This is the widest window these images hold.";
  }

  // A mouse wheel (up and down) over a row of tabs too long to show scrolls it sideways: else only the thin
  // scrollbar reaches the last series. A row that fits or is at its end in the wheel's direction, and sideways
  // wheels and trackpads, leave the page to scroll.
  wheelTabs(e, row) {
    if (Math.abs(e.deltaX) >= Math.abs(e.deltaY) || e.ctrlKey) return;
    const end = row.scrollWidth - row.clientWidth;
    if (e.deltaY < 0 ? row.scrollLeft <= 0 : row.scrollLeft >= end - 1) return;
    e.preventDefault();
    row.scrollLeft += e.deltaY * [1, 40, 800][e.deltaMode];
  }

  // Scroll a long row of tabs sideways (never the page) so that the selected one shows, e.g. after a key-image link.
  revealTab(tab) {
    const row = tab?.parentElement;
    if (!row || row.scrollWidth <= row.clientWidth) return;
    row.scrollLeft = clamp(row.scrollLeft, tab.offsetLeft + tab.offsetWidth - row.clientWidth, tab.offsetLeft);
  }

  show(seriesId, number, scroll, announce) {
    const st = this.stacks.find((o) => o.id === String(seriesId));
    if (!st) return false;
    this.select(st);
    if (number) this.go(number - 1);
    if (scroll) this.root.scrollIntoView({ block: "nearest" });
    // A link to an image (a key image's "show it") leaves the focus where it was: say what the viewer now shows.
    const label = st.tab?.querySelector(".viewer-tab-label")?.textContent;
    if (announce && label) this.status.textContent = `${label}, image ${st.i + 1} of ${st.slices?.length || 1}`;
    return true;
  }

  fromHash(scroll, announce) {
    const m = HASH.exec(location.hash);
    return !!m && this.show(m[1], m[2] && +m[2], scroll, announce);
  }

  go(i, announce) {
    const st = this.cur;
    if (!st.frame || i === st.i || (i = clamp(i, 0, st.slices.length - 1)) === st.i) return;
    st.i = i;
    this.renderSlice();
    // Screen readers hear explicit moves (keys, buttons), not every wheel notch.
    if (announce) this.status.textContent = `Image ${i + 1} of ${st.slices.length}`;
  }

  // Writes only, no layout reads: these run on every wheel notch and pointer move.
  render() {
    this.renderSlice();
    this.renderView();
  }

  // The image shown and what names it: all that a step through the stack changes.
  renderSlice() {
    const st = this.cur;
    const slice = st.slices?.[st.i];
    if (!slice || slice === this.shownSlice) return;
    this.shownSlice = slice;
    if (st.shown !== st.i) {
      Object.assign(st.img, { src: slice[st.key], alt: slice.alt }); // decoded beforehand: it swaps in at once
      st.shown = st.i;
    }
    const n = st.slices.length;
    st.counter.textContent = `image ${st.i + 1} / ${n}`;
    this.slider.value = st.i + 1;
    this.slider.setAttribute("aria-valuetext", `Image ${st.i + 1} of ${n}`);
    const detail = { series: +st.id, index: st.i, slicePk: slice.pk };
    this.root.dispatchEvent(new CustomEvent("viewer:slice", { bubbles: true, detail }));
  }

  // Zoom, pan, brightness and contrast of the stack shown.
  renderView() {
    const st = this.cur;
    if (!st.frame) return;
    st.img.style.transform = st.s === 1 ? "" : `translate(${st.x}px, ${st.y}px) scale(${st.s})`;
    const digits = st.wins ? 4 : 2;
    if (st.wins) this.filtersFor(st);
    const [b, c] = [+st.b.toFixed(digits), +st.c.toFixed(digits)];
    const filter = [b !== 1 && `brightness(${b})`, c !== 1 && `contrast(${c})`, st.inv && "invert(1)"];
    st.img.style.filter = filter.filter(Boolean).join(" ");
    const info = [st.s !== 1 && `${st.s.toFixed(1)}×`];
    if (st.wins) info.push(`W ${Math.round(st.W)} · L ${Math.round(st.L)}${st.wins.unit && ` ${st.wins.unit}`}`, st.limit);
    else info.push(b !== 1 && `B ${Math.round(b * 100)}%`, c !== 1 && `C ${Math.round(c * 100)}%`, st.inv && "inverted");
    st.info.textContent = info.filter(Boolean).join(" · ");
    this.root.classList.toggle("is-zoomed", st.s > 1);
    for (const o of st.wins?.list || this.presets) {
      const button = o.button || o;
      button.setAttribute("aria-pressed", (o.key || button.dataset.preset) === st.preset);
    }
  }

  // The filters that show the window (W, L) on the derivative made in window (w0, l0), which maps l0 - w0/2 ..
  // l0 + w0/2 to 0 .. 1. brightness(b) then contrast(c) turn a value v into c·(b·v − ½) + ½: the window shown is
  // W = w0 / (b·c) wide around L = l0 − w0/2 + w0 / (2b). The drag keeps the window inside the derivative's, so
  // c >= 1 and b·v never passes 1 inside it: no filter step clips what is shown.
  filtersFor(st) {
    const { w, l } = st.wins.by[st.key];
    const b = w / 2 / (st.L - (l - w / 2));
    Object.assign(st, { b, c: w / (b * st.W) });
  }

  // The stack's images come in a few at a time, each time the one nearest the image shown that is not in yet:
  // on a slow link the neighbours come first, and wherever the trainee scrolls to, that neighbourhood next.
  // The stack on show waits for its first image, so that it has the link to itself (the others load later, when
  // their tab opens or once the stack on show is in). Each is decoded as it arrives and kept, so that showing it
  // later is only a paint. A stack with windows loads each window's images the same way, only once the trainee
  // chooses that window; a window put aside stops fetching (its images already in stay) until chosen again.
  preload(st) {
    if (!st.frame) return;
    const set = (st.sets[st.key] ||= { key: st.key, images: [], busy: 0, left: st.slices.length });
    if (set.started) return set.ready && this.fetch(st, set);
    set.started = true;
    const start = () => {
      set.ready = true;
      this.fetch(st, set);
    };
    if (st !== this.cur || st.img.complete) start();
    else for (const type of ["load", "error"]) st.img.addEventListener(type, start, { once: true });
  }

  fetch(st, set) {
    while (set.busy < FETCHES && st.key === set.key) {
      const i = this.nearestMissing(st, set.images);
      if (i === undefined) return;
      set.busy++;
      const image = (set.images[i] = new Image());
      image.src = st.slices[i][set.key];
      image.decode().catch(() => {}).then(() => {
        set.busy--;
        if (--set.left === 0) st.loaded();
        this.fetch(st, set);
      });
    }
  }

  nearestMissing(st, images) {
    for (let d = 0; d < st.slices.length; d++) {
      for (const i of [st.i - d, st.i + d]) if (i >= 0 && i < st.slices.length && !images[i]) return i;
    }
  }

  // --- Zoom, pan, brightness -----------------------------------------------------------------------------

  // Zoom by `factor`, keeping the point (px, py) (relative to the frame's centre) where it is.
  zoom(factor, px = 0, py = 0) {
    const st = this.cur;
    if (!st.frame) return;
    const s = clamp(st.s * factor, 1, MAX_ZOOM);
    const k = s / st.s;
    Object.assign(st, { s, x: px - (px - st.x) * k, y: py - (py - st.y) * k });
    this.pan();
  }

  // Keep the image's centre inside the frame; at fit there is nothing to pan.
  pan() {
    const st = this.cur;
    const r = this.rect || st.frame.getBoundingClientRect();
    const [w, h] = st.s > 1 ? [(r.width * st.s) / 2, (r.height * st.s) / 2] : [0, 0];
    Object.assign(st, { x: clamp(st.x, -w, w), y: clamp(st.y, -h, h) });
    this.renderView();
  }

  // Shift and an arrow key move a zoomed image an eighth of the frame, to see the part that way; false at fit.
  panBy(key) {
    const st = this.cur;
    const [dx, dy] = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[key] || [0, 0];
    if (!st.frame || st.s <= 1 || !(dx || dy)) return false;
    const r = this.rect || st.frame.getBoundingClientRect();
    const step = Math.min(r.width, r.height) / 8;
    Object.assign(st, { x: st.x + dx * step, y: st.y + dy * step });
    this.pan();
    return true;
  }

  // A point on the screen, relative to the frame's centre.
  at(x, y) {
    const r = this.rect;
    return [x - r.left - r.width / 2, y - r.top - r.height / 2];
  }

  preset(name) {
    const [b, c, inv] = PRESETS[name];
    Object.assign(this.cur, { b, c, inv, preset: name });
    this.renderView();
  }

  // Show the stack in one of its windows: its derivative for the image on show at once, then the whole stack.
  chooseWindow(key) {
    const st = this.cur;
    const win = st.wins?.by[key];
    if (!win || !st.frame) return false;
    Object.assign(st, { preset: key, W: win.w, L: win.l, limit: "" });
    this.source(st, key);
    this.renderView();
    this.status.textContent = `Window: ${win.text}`;
  }

  source(st, key) {
    if (st.key === key) return;
    st.key = key;
    st.img.src = st.slices[st.i][key]; // at once if its window's images are in, else the first of them to come
    st.shown = st.i;
    this.preload(st);
  }

  // Everything back as it opened, "drag adjusts" too: otherwise a drag on the zoomed image would not pan.
  reset() {
    const st = this.cur;
    this.resetView(st);
    if (st.wins) this.source(st, "src");
    this.setWindow(false);
    this.renderView();
    // Said, so that a screen reader does not keep the window chosen before as the last word on it.
    this.status.textContent = st.wins ? `Reset: fit, window ${st.wins.by.src.text}` : "Reset: fit, as it opened";
  }

  // --- Mouse, trackpad, touch ----------------------------------------------------------------------------

  wheel(e) {
    const st = this.cur;
    const zoom = e.ctrlKey || e.metaKey; // also a trackpad pinch, which browsers report as ctrl + wheel
    if (st.slices.length < 2 && !zoom) return; // a single image lets the page scroll
    e.preventDefault();
    const d = e.deltaY * [1, 40, 800][e.deltaMode];
    if (zoom) {
      this.rect = st.frame.getBoundingClientRect();
      this.zoom(Math.exp(-clamp(d, -50, 50) / 100), ...this.at(e.clientX, e.clientY));
      this.rect = null;
      return;
    }
    if (Math.sign(d) !== Math.sign(this.acc)) this.acc = 0;
    this.acc += d;
    if (Math.abs(this.acc) >= NOTCH) {
      this.go(st.i + Math.sign(this.acc));
      this.acc = 0;
    }
  }

  down(e) {
    const st = this.cur;
    if (e.button > 2) return;
    e.preventDefault(); // no text selection, no middle-click autoscroll
    st.frame.focus({ preventScroll: true });
    st.frame.setPointerCapture(e.pointerId);
    if (e.isPrimary) this.pts.clear();
    this.pts.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.rect = st.frame.getBoundingClientRect();
    if (this.pts.size === 2) {
      const [a, b] = this.pts.values();
      const d0 = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      this.g = { mode: "pinch", d0, m0: this.mid(), s0: st.s, x0: st.x, y0: st.y };
    } else if (this.pts.size === 1) {
      // Right button (or the toggle): brightness/contrast. Middle button, or zoomed in: pan. Otherwise: the stack.
      const b = e.button;
      const mode = b === 2 || (this.windowMode && !b) ? "window" : b || st.s > 1 ? "pan" : "stack";
      this.g = { mode, slop: e.pointerType === "touch" ? 6 : 3, tap: !b, cx: e.clientX, cy: e.clientY };
      Object.assign(this.g, { i0: st.i, x0: st.x, y0: st.y, b0: st.b, c0: st.c, W0: st.W, L0: st.L });
    }
  }

  mid() {
    const [a, b] = this.pts.values();
    return this.at((a.x + b.x) / 2, (a.y + b.y) / 2);
  }

  move(e) {
    const p = this.pts.get(e.pointerId);
    const g = this.g;
    if (!p || !g) return;
    Object.assign(p, { x: e.clientX, y: e.clientY });
    const st = this.cur;
    if (g.mode === "pinch") {
      // Zoom around the fingers, and follow them as they move together.
      const [a, b] = this.pts.values();
      const [mx, my] = this.mid();
      const s = clamp((g.s0 * Math.hypot(a.x - b.x, a.y - b.y)) / g.d0, 1, MAX_ZOOM);
      const k = s / g.s0;
      Object.assign(st, { s, x: mx - (g.m0[0] - g.x0) * k, y: my - (g.m0[1] - g.y0) * k });
      return this.pan();
    }
    const dx = e.clientX - g.cx;
    const dy = e.clientY - g.cy;
    if (!g.moved && Math.hypot(dx, dy) < g.slop) return;
    g.moved = true;
    if (g.mode === "stack") {
      // In proportion to the distance; a finger moving up goes forward, as it scrolls a page down.
      this.go(g.i0 - Math.trunc(dy / clamp(this.rect.height / st.slices.length, 8, 40)));
    } else if (g.mode === "pan") {
      Object.assign(st, { x: g.x0 + dx, y: g.y0 + dy });
      this.pan();
    } else if (g.mode === "window" && st.wins) {
      // As brightness and contrast: sideways to the right narrows the window (more contrast); up lowers the level
      // (brighter). The window stays inside its derivative's, which holds nothing beyond.
      const { w, l } = st.wins.by[st.key];
      const wanted = g.W0 * Math.exp(-dx / 250);
      const W = clamp(wanted, w / NARROWEST, w);
      const level = g.L0 + (dy * g.W0) / 250;
      const L = clamp(level, l - w / 2 + W / 2, l + w / 2 - W / 2);
      // Said on the image as well as to screen readers: a drag that cannot go further must not look dead.
      const held = Math.abs(level - L) > W * 0.02;
      st.limit = wanted > w * 1.02 ? "widest in this preset"
        : held && W > w * 0.98 ? "narrow it first to move the level (drag sideways)"
        : held ? "edge of this preset" : "";
      g.clamped ||= wanted > w * 1.02;
      Object.assign(st, { W, L, preset: null });
      this.renderView();
    } else if (g.mode === "window") {
      // Sideways: contrast; up: brighter.
      const c = clamp(g.c0 * Math.exp(dx / 250), 0.2, 5);
      Object.assign(st, { c, b: clamp(g.b0 * Math.exp(-dy / 250), 0.2, 5), preset: null });
      this.renderView();
    }
  }

  up(e) {
    if (!this.pts.delete(e.pointerId)) return;
    const g = this.g;
    if (this.pts.size) {
      // A pinch left one finger down: it pans if zoomed in, and never scrolls the stack by surprise.
      const [q] = this.pts.values();
      const st = this.cur;
      this.g = { mode: st.s > 1 ? "pan" : "none", cx: q.x, cy: q.y, x0: st.x, y0: st.y, moved: true };
      return;
    }
    this.g = null;
    if (g?.mode === "window" && this.cur.wins) this.status.textContent = g.clamped ? this.widestNote(this.cur) : "";
    if (g && !g.moved && g.tap && e.type === "pointerup") {
      // A double click or a double tap: fit <-> 2x around that point.
      const t = this.lastTap;
      if (t && e.timeStamp - t.t < 400 && Math.hypot(e.clientX - t.x, e.clientY - t.y) < 30) {
        this.lastTap = null;
        this.zoom(this.cur.s > 1 ? 1 / MAX_ZOOM : 2, ...this.at(e.clientX, e.clientY));
      } else this.lastTap = { t: e.timeStamp, x: e.clientX, y: e.clientY };
    }
    this.rect = null;
  }

  // --- Buttons and keys ----------------------------------------------------------------------------------

  click(e) {
    const tab = e.target.closest("[data-tab]");
    if (tab) {
      e.preventDefault(); // a tab, not a jump to the anchor
      return this.select(this.stacks.find((o) => o.tab === tab));
    }
    const b = e.target.closest("button");
    if (b?.dataset.preset) this.preset(b.dataset.preset);
    else if (b?.dataset.windowPreset) this.chooseWindow(b.dataset.windowPreset);
    else if (b) this.run(b.dataset.action);
  }

  // Keys only arrive here while focus is inside the viewer: the page's own shortcuts stay the page's.
  key(e) {
    const t = e.target;
    const k = e.key;
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    // Never steal keys from a field; the slider keeps its own arrows, Home and End.
    const field = t.closest("input, textarea, select, [contenteditable]");
    if (field && (t !== this.slider || /^(Arr|Pag|Hom|End)/.test(k))) return;
    if (t.getAttribute("role") === "tab") {
      const n = this.stacks.length;
      const i = this.stacks.findIndex((o) => o.tab === t);
      const j = { ArrowLeft: i - 1 + n, ArrowRight: i + 1, Home: 0, End: n - 1, " ": i }[k];
      if (j !== undefined) {
        e.preventDefault();
        return this.select(this.stacks[j % n], true);
      }
    }
    // Shift and an arrow move a zoomed image, and at fit do nothing (never the stack, as the plain arrows do).
    if (e.shiftKey && k.startsWith("Arrow")) return this.panBy(k) && e.preventDefault();
    if (this.run(KEYS[k.length === 1 ? k.toLowerCase() : k])) e.preventDefault();
  }

  // What a button's data-action or a key does; false when there was nothing to do.
  run(action) {
    const st = this.cur;
    const n = st.slices?.length;
    const page = Math.max(5, Math.round(n / 10));
    const act = {
      prev: () => this.go(st.i - 1, true),
      next: () => this.go(st.i + 1, true),
      "page-up": () => this.go(st.i - page, true),
      "page-down": () => this.go(st.i + page, true),
      first: () => this.go(0, true),
      last: () => this.go(n - 1, true),
      "zoom-in": () => this.zoom(1.25),
      "zoom-out": () => this.zoom(0.8),
      reset: () => this.reset(),
      adjust: () => this.toggleAdjust(),
      window: () => this.setWindow(!this.windowMode),
      fullscreen: () => this.full(),
      "window-1": () => this.chooseWindow(st.wins?.list[0]?.key),
      "window-2": () => this.chooseWindow(st.wins?.list[1]?.key),
      "window-3": () => this.chooseWindow(st.wins?.list[2]?.key),
      escape: () => {
        if (!this.adjust.hidden) this.toggleAdjust(false, true);
        else if (this.isFull && !this.nativeFull()) this.setFull(false);
        else return false; // the browser leaves its own full screen
      },
    }[action];
    return !!act && act() !== false;
  }

  toggleAdjust(open = this.adjust.hidden, refocus) {
    this.adjust.hidden = !open;
    const b = this.button("adjust");
    b.setAttribute("aria-expanded", open);
    if (open) this.adjust.scrollIntoView({ block: "nearest" }); // the panel sits above the toolbar, over the image
    if (refocus) b.focus();
  }

  setWindow(on) {
    this.windowMode = on;
    this.root.classList.toggle("is-window", on);
    this.button("window").setAttribute("aria-pressed", on);
    if (on) this.toggleAdjust(true);
  }

  // --- Full screen: the Fullscreen API, or the viewer covering the viewport where there is none (iPhone) ---

  nativeFull() {
    return document.fullscreenElement === this.root;
  }

  full(on = !this.isFull) {
    if (!on) {
      if (this.nativeFull()) document.exitFullscreen();
      return this.setFull(false);
    }
    if (!document.fullscreenEnabled || !this.root.requestFullscreen) return this.setFull(true);
    this.root.requestFullscreen().catch(() => this.setFull(true));
  }

  setFull(on) {
    this.isFull = on;
    this.root.classList.toggle("is-full", on);
    attrs(this.button("fullscreen"), { "aria-pressed": on, "aria-label": on ? "Leave full screen" : "Full screen" });
  }
}

function init(root) {
  if (!instances.has(root)) instances.set(root, new Viewer(root));
  return instances.get(root);
}

function initAll(el) {
  if (el.matches?.("[data-viewer]")) init(el);
  el.querySelectorAll?.("[data-viewer]").forEach(init);
}

window.SinsViewer = {
  init,
  /** Show series `seriesId` (its pk) at image `imageNumber` (1-based; without it, where the stack was). */
  show: (root, seriesId, imageNumber) => init(root).show(seriesId, imageNumber),
};
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initAll(document));
else initAll(document);
document.addEventListener("htmx:load", (e) => initAll(e.target));
})();
