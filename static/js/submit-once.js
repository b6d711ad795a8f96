// Progressive enhancement: a form marked data-submit-once sends one request
// however often its button is clicked. The server already turns a form sent
// twice into one booking; this spares the second request and shows progress.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
    return;
  }
  if (form.dataset.submitted === "yes") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "yes";
  for (const button of form.querySelectorAll("button[type=submit]")) {
    if (button.dataset.busyText) {
      button.dataset.idleText = button.textContent;
      button.textContent = button.dataset.busyText;
    }
    button.setAttribute("aria-disabled", "true");
  }
});

// Back to the page from the browser's history: it can be sent again.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) {
    return;
  }
  for (const form of document.querySelectorAll("form[data-submit-once]")) {
    delete form.dataset.submitted;
    for (const button of form.querySelectorAll("button[type=submit]")) {
      if (button.dataset.idleText) {
        button.textContent = button.dataset.idleText;
      }
      button.removeAttribute("aria-disabled");
    }
  }
});
