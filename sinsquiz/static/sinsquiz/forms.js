/* Forms that htmx sends (a problem report): on a failure htmx swaps nothing, so without this the button came back
   and nothing else happened. The form says it was not sent, and why, in its own alert; and what was typed in it is
   kept in the tab (sessionStorage) until it is sent or the user logs out, so a lapsed login, a reload or a crash
   does not lose it. */
(() => {
  "use strict";

  const key = (form) => `unsent:${form.getAttribute("action")}`;
  const why = (status) =>
    !status ? "There is no connection: send it again once you are back online."
    : status < 500 ? "This page is out of date: reload it and send it again."
    : "The server had a problem: send it again in a moment.";

  // A form drawn with text in it (sent back with its errors) keeps that; an empty one gets what the tab kept.
  function restore(root) {
    for (const form of root.querySelectorAll?.("form[data-unsent]") ?? []) {
      const field = form.querySelector("textarea");
      const kept = sessionStorage.getItem(key(form));
      if (field?.value) sessionStorage.setItem(key(form), field.value);
      if (!field || !kept || field.value) continue;
      field.value = kept;
      form.closest("details")?.setAttribute("open", "");
    }
  }

  // Logging out takes what was kept with it: the next person at a shared computer finds nothing.
  document.addEventListener("submit", (event) => {
    if (!event.target.matches("form[data-logout]")) return;
    for (const name of Object.keys(sessionStorage)) if (name.startsWith("unsent:")) sessionStorage.removeItem(name);
  });
  document.addEventListener("input", (event) => {
    const form = event.target.closest?.("form[data-unsent]");
    if (form && event.target.matches("textarea")) sessionStorage.setItem(key(form), event.target.value);
  });
  // Before the swap: the answer replaces the form, and events on it no longer reach the document.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const form = event.detail.requestConfig?.elt;
    if (form?.matches("form[data-unsent]") && event.detail.xhr.status === 200) {
      sessionStorage.removeItem(key(form)); // sent; or sent back with its errors, and kept again from it (restore)
    }
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const { elt, successful, xhr } = event.detail;
    const note = !successful && elt.matches?.("form[data-unsent]") && elt.querySelector("[data-unsent-note]");
    if (!note) return;
    note.textContent = `${elt.dataset.unsent} ${why(xhr.status)} Your text is kept.`;
    note.hidden = false;
    note.focus();
  });
  document.addEventListener("htmx:load", (event) => restore(event.detail.elt));
  restore(document);
})();
