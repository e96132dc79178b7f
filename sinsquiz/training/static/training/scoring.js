/* Keyboard shortcuts and the points toggle for the scoring panel. The panel works without this file. */
(() => {
  "use strict";

  const items = () => [...document.querySelectorAll("#reading-form [data-item]")];
  let current = 0;

  const typing = (el) =>
    el.closest("[data-viewer]") || el.isContentEditable ||
    (el.matches("input, select, textarea") && !el.matches("input[type=radio], input[type=checkbox]"));

  function focusItem(index) {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((item, i) => item.classList.toggle("current", i === current));
    const item = list[current];
    const target = item.querySelector("input:checked") || item.querySelector("input, select");
    target?.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function choose(n) {
    const radios = items()[current]?.querySelectorAll("input[type=radio]") || [];
    const radio = radios[n - 1];
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true })); // htmx autosaves on change
    focusItem(current + 1);
  }

  document.addEventListener("focusin", (event) => {
    const item = event.target.closest?.("#reading-form [data-item]");
    if (item) current = items().indexOf(item);
  });

  document.addEventListener("keydown", (event) => {
    if (!document.getElementById("reading-form")) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      document.querySelector("[data-commit]")?.click();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key;
    if (/^[1-9]$/.test(key)) choose(Number(key));
    else if (key === "]" || key === "n") focusItem(current + 1);
    else if (key === "[" || key === "p") focusItem(current - 1);
    else if (key === "l") document.querySelector("#reading-form select")?.focus();
    else if (key === "v") document.querySelector("[data-viewer] [data-frame]:not([hidden])")?.focus();
    else if (key === "?") toggleKeys();
    else return;
    event.preventDefault();
  });

  function toggleKeys() {
    const help = document.getElementById("keys-help");
    const button = document.querySelector("[data-keys-toggle]");
    if (!help) return;
    help.hidden = !help.hidden;
    button?.setAttribute("aria-expanded", String(!help.hidden));
  }

  // The display toggles are remembered between cases.
  function remember(id) {
    const toggle = document.getElementById(id);
    if (!toggle || toggle.dataset.ready) return;
    const key = `sinsquiz.${id}`;
    toggle.dataset.ready = "1";
    toggle.checked = localStorage.getItem(key) !== "no";
    toggle.addEventListener("change", () => localStorage.setItem(key, toggle.checked ? "yes" : "no"));
  }

  function setUp() {
    remember("show-points");
    remember("show-definitions");
    const button = document.querySelector("[data-keys-toggle]");
    if (button && !button.dataset.ready) {
      button.dataset.ready = "1";
      button.hidden = false; // shortcuts exist only with JavaScript
      button.addEventListener("click", toggleKeys);
    }
  }
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:load", setUp);
})();
