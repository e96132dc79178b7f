/* Keyboard shortcuts, the display toggles and the autosave's state for the scoring panel.
   The panel works without this file: htmx saves on every change, and without either the form posts. */
(() => {
  "use strict";

  const items = () => [...document.querySelectorAll("#reading-form [data-item]")];
  const calm = matchMedia("(prefers-reduced-motion: reduce)");
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
    // As little movement as will show it; an item taller than half the window (a phone on its side) shows its top,
    // which "nearest" leaves under the bars when the item already fills the window.
    const block = item.offsetHeight > innerHeight / 2 ? "start" : "nearest";
    item.scrollIntoView({ block, behavior: calm.matches ? "auto" : "smooth" });
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

  // A level picked from the drop-down (a click, the open list, or Enter) moves on to the next item, as a chosen
  // option does, so the shortcuts work at once. Arrow keys and typing on the closed drop-down only browse it.
  let browsing = false;
  const isLevel = (el) => el.matches?.("#reading-form select");
  const afterLevel = (select) => focusItem(items().indexOf(select.closest("[data-item]")) + 1);
  document.addEventListener("pointerdown", (event) => { if (isLevel(event.target)) browsing = false; });
  document.addEventListener("focusout", (event) => { if (isLevel(event.target)) browsing = false; });
  document.addEventListener("change", (event) => {
    if (isLevel(event.target) && event.target.value && !browsing) afterLevel(event.target);
  });

  document.addEventListener("keydown", (event) => {
    if (!document.getElementById("reading-form")) return;
    if (isLevel(event.target) && !event.ctrlKey && !event.metaKey) {
      if (event.key === "Enter" && event.target.value) {
        event.preventDefault();
        afterLevel(event.target);
        return;
      }
      // Space and Alt+Down open the list; a pick from it moves on.
      browsing = !event.altKey && (/^(Arrow|Page|Home$|End$)/.test(event.key) || /^\S$/.test(event.key));
      // ], [ and v work on the level as on any item (no level starts with them; other letters stay the list's).
      if (event.key === "]" || event.key === "[") {
        event.preventDefault();
        focusItem(items().indexOf(event.target.closest("[data-item]")) + (event.key === "]" ? 1 : -1));
        return;
      }
      if (event.key === "v") {
        event.preventDefault();
        document.querySelector("[data-viewer] [data-frame]:not([hidden])")?.focus();
        return;
      }
    }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      document.querySelector("[data-commit]")?.click();
      return;
    }
    // Esc in the images (when the viewer has nothing of its own to close) goes back to the item being answered.
    if (event.key === "Escape" && !event.defaultPrevented && event.target.closest?.("[data-viewer]")) {
      focusItem(current);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    // Single keys answer only on an item of the reading, so a stray key on a link, a button or a toggle changes
    // nothing; the others work anywhere in the panel, or with nothing focused (a page just opened).
    const onItem = Boolean(event.target.closest?.("#reading-form [data-item]"));
    if (!event.target.closest?.("#scoring") && event.target !== document.body) return;
    const key = event.key;
    if (/^[1-9]$/.test(key) && onItem) choose(Number(key));
    else if (key === "]" && onItem) focusItem(current + 1);
    else if (key === "[" && onItem) focusItem(current - 1);
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

  // Autosave. A save that fails (offline, server away) is said in the status and retried, sooner again when the
  // browser is back online; leaving the page with answers not yet saved asks first.
  const form = () => document.getElementById("reading-form");
  let changes = 0; // changes made in the form
  let sending = 0; // changes the request in flight carries (htmx sends one at a time: hx-sync)
  let saved = 0; // changes the server has stored
  let delay = 0;
  let retryTimer = null;
  let leaving = false;
  const unsaved = () => saved < changes;

  function saveState(text) {
    const status = document.getElementById("panel-status");
    status?.classList.add("unsaved");
    const state = status?.querySelector("[data-save-state]");
    if (state) state.textContent = text;
    const said = document.getElementById("panel-said"); // the line a screen reader hears
    if (said) said.textContent = `Answers ${text}.`;
  }

  function retry() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (unsaved() && form() && window.htmx) window.htmx.trigger(form(), "change"); // posts every answer again
  }

  // Counted while capturing, before htmx (listening on the form) sends the request that carries the change.
  document.addEventListener(
    "change",
    (event) => {
      if (event.target.closest?.("#reading-form")) changes += 1;
    },
    true,
  );
  // An item a refused commit marked as missing is answered now: its mark goes.
  document.addEventListener("change", (event) => {
    const item = event.target.closest?.("#reading-form [data-item].missing");
    if (!item || !event.target.value) return;
    item.classList.remove("missing");
    item.removeAttribute("aria-describedby");
    item.querySelector(".field-error")?.remove();
  });
  document.addEventListener("submit", (event) => {
    if (event.target === form()) leaving = true; // a plain post carries every answer
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt === form()) sending = changes;
  });
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    if (event.detail.xhr.getResponseHeader("HX-Redirect")) leaving = true; // committed: on to the feedback
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const { elt, successful, xhr } = event.detail;
    if (elt.matches?.("[data-commit]") && !successful) {
      // Refused (a page out of date after logging in again elsewhere, a case withdrawn): a retry cannot help.
      saveState(!xhr.status ? "not committed — no connection; try again"
        : xhr.status < 500 ? "not committed — reload the page" : "not committed — try again");
    }
    if (elt !== form()) return;
    if (successful) {
      saved = Math.max(saved, sending);
      delay = 0;
      clearTimeout(retryTimer);
      retryTimer = null;
    } else if (xhr.status && xhr.status < 500) {
      saveState("not saved — reload the page"); // refused (logged out, case withdrawn): a retry cannot help
    } else {
      saveState("not saved — retrying");
      delay = Math.min(delay ? delay * 2 : 1000, 30000);
      clearTimeout(retryTimer);
      retryTimer = setTimeout(retry, delay);
    }
  });
  window.addEventListener("online", () => {
    delay = 0;
    retry();
  });
  window.addEventListener("beforeunload", (event) => {
    if (!unsaved() || leaving) return;
    event.preventDefault();
    event.returnValue = true; // older browsers
  });
  // A page brought back from the back-forward cache may show a draft committed since: show the server's.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && form() && navigator.onLine) window.location.reload();
  });
})();
