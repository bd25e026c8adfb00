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

  function updateConditionals(form) {
    var fields = form.querySelectorAll("[data-show-when-name]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var value = currentValue(form, field.getAttribute("data-show-when-name"));
      var shown = value === field.getAttribute("data-show-when-value");
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
