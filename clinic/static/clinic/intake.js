/* Progressive enhancement of the intake form; every page works without it. */
(function () {
  "use strict";

  // Move focus to the error summary so screen readers and keyboards start there.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // Links in the error summary focus the field, not just scroll to it.
  function linkErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || link.getAttribute("href").charAt(0) !== "#") {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      }
    });
  }

  // Conditional questions: shown only when the answer they depend on is given.
  function currentValue(form, name) {
    var controls = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < controls.length; i++) {
      var control = controls[i];
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) {
          return control.value;
        }
      } else {
        return control.value;
      }
    }
    return null;
  }

  // The name of the question a field asks (its controls carry it).
  function questionName(field) {
    var control = field.querySelector("[name]");
    return control ? control.getAttribute("name") : null;
  }

  // Which questions apply, as the server decides (screening.validation.item_enablement): a
  // question applies when the one it depends on has the value named and applies itself, so
  // the answer left in a question that no longer applies enables nothing.
  function appliesByName(form, fields) {
    var applies = {};
    // One pass settles at least one more link of a chain: as many passes as fields suffice.
    for (var pass = 0; pass <= fields.length; pass++) {
      var changed = false;
      for (var i = 0; i < fields.length; i++) {
        var name = fields[i].getAttribute("data-show-when-name");
        var state =
          applies[name] !== false &&
          currentValue(form, name) === fields[i].getAttribute("data-show-when-value");
        var own = questionName(fields[i]);
        if (own !== null && applies[own] !== state) {
          applies[own] = state;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
    return applies;
  }

  function updateConditionals(form) {
    var fields = form.querySelectorAll("[data-show-when-name]");
    var applies = appliesByName(form, fields);
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var shown = applies[questionName(field)] === true;
      // A field with an error always stays visible.
      field.hidden = !shown && !field.classList.contains("field--error");
      var hints = field.querySelectorAll(".hint");
      for (var j = 0; j < hints.length; j++) {
        if (/^Only (answer this )?if/.test(hints[j].textContent.trim())) {
          hints[j].hidden = true;
        }
      }
    }
  }

  // One click sends the answers once; the server also refuses a second intake.
  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.hasAttribute("data-submit-once")) {
        if (form.getAttribute("data-sending") === "true") {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sending", "true");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("[data-intake-form]");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        updateConditionals(form);
        form.addEventListener("change", function () {
          updateConditionals(form);
        });
        submitOnce(form);
      })(forms[i]);
    }
    focusErrorSummary();
    linkErrorSummary();
  });
})();
