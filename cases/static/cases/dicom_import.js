// The Import DICOM box on the case page (cases/admin_ingest.py): dropping a .zip, a folder or DICOM files on it
// puts them into the box's file input and sends the form, as choosing them and pressing the button would. Without
// this script the two file inputs and the button do the same.
"use strict";

(function () {
  function readEntries(reader) {
    return new Promise((resolve) => reader.readEntries(resolve, () => resolve([])));
  }

  async function walk(entry, files) {
    if (entry.isFile) {
      await new Promise((resolve) => entry.file((file) => { files.push(file); resolve(); }, resolve));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      // A folder's entries come in batches (100 at a time in Chromium) until an empty one.
      for (let batch = await readEntries(reader); batch.length; batch = await readEntries(reader)) {
        for (const child of batch) await walk(child, files);
      }
    }
  }

  async function dropped(transfer) {
    // The entries must be taken before the first await: the drop's data is gone once its event returns.
    const entries = [...transfer.items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean);
    if (!entries.length) return [...transfer.files];
    const files = [];
    for (const entry of entries) await walk(entry, files);
    return files;
  }

  function setUp(box, unsaved) {
    const form = document.getElementById("dicom-import-form");
    const input = document.getElementById("dicom-files");
    const folder = document.getElementById("dicom-folder");
    const status = box.querySelector("[data-dicom-status]");
    const button = box.querySelector("button[type=submit]");
    if (!form || !input) return;

    const uploading = (count) => {
      status.textContent = count ? `Uploading ${count} file${count === 1 ? "" : "s"}…` : "Uploading…";
      button.disabled = true;
    };
    form.addEventListener("submit", (event) => {
      // Asked here rather than by the browser's leave-page prompt: after that prompt's "Stay" nothing would
      // tell the box that no upload started, and it would say "Uploading…" for ever.
      if (unsaved.changed) {
        if (!window.confirm("This case has changes that are not saved: uploading leaves the page and loses them. Upload anyway?")) {
          event.preventDefault();
          return;
        }
        unsaved.forget();
      }
      uploading(input.files.length + (folder ? folder.files.length : 0));
    });

    for (const type of ["dragenter", "dragover"]) {
      box.addEventListener(type, (event) => {
        event.preventDefault();
        box.classList.add("dragging");
      });
    }
    box.addEventListener("dragleave", (event) => {
      if (!box.contains(event.relatedTarget)) box.classList.remove("dragging");
    });
    box.addEventListener("drop", async (event) => {
      event.preventDefault();
      box.classList.remove("dragging");
      const files = await dropped(event.dataTransfer);
      if (!files.length) return;
      const transfer = new DataTransfer();
      for (const file of files) transfer.items.add(file);
      input.files = transfer.files;
      if (folder) folder.value = "";
      form.requestSubmit();
    });
  }

  // Uploading, acting on an import and "Show the new series" each load a new page: the browser asks first while
  // the case's own form has changes not saved, rather than losing them. The box's controls belong to other forms.
  function guardUnsaved(caseForm) {
    let changed = false;
    const unsaved = {
      get changed() { return changed; },
      forget() { changed = false; },
    };
    const edited = (event) => {
      if (event.target.form === caseForm) changed = true;
    };
    caseForm.addEventListener("input", edited);
    caseForm.addEventListener("change", edited);
    caseForm.addEventListener("submit", () => { changed = false; });
    window.addEventListener("beforeunload", (event) => {
      if (changed) event.preventDefault();
    });
    return unsaved;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.querySelector("[data-dicom-drop]");
    if (box) {
      setUp(box, guardUnsaved(box.closest("form")));
    }
  });
})();
