// The screening page's PDF section follows its report while it is being prepared: the state
// is asked every few seconds (no patient data in the answer) until the PDF is ready or failed.
(function () {
  "use strict";
  var section = document.querySelector("[data-report-status]");
  if (!section) return;
  var state = section.querySelector(".report-state");
  if (!state || state.querySelector("a")) return;
  var url = section.getAttribute("data-report-status");
  var tries = 0;

  function show(answer) {
    if (answer.status === "ready" && answer.pdf) {
      var link = document.createElement("a");
      link.href = answer.pdf;
      link.textContent = "Open the PDF";
      state.textContent = "";
      state.appendChild(link);
      state.appendChild(document.createTextNode(" (updated)"));
      return true;
    }
    if (answer.status === "failed") {
      state.textContent = "Could not be rendered: reload the page for the reason.";
      return true;
    }
    if (answer.label) state.textContent = "Being prepared (" + answer.label.toLowerCase() + ").";
    return false;
  }

  function ask() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer && show(answer)) return;
        if (tries < 60) window.setTimeout(ask, 3000);
      })
      .catch(function () { if (tries < 60) window.setTimeout(ask, 5000); });
  }
  window.setTimeout(ask, 1500);
})();
