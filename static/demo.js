// Splitboard demo tools: keyboard shortcuts for the presenter (no inline scripts; htmx does the rest).
//   p  start a probe          s  stop the running probe
//   t  highlight the next path (route URL, then each tag, then everything)
//   1-9  press the traffic editor's preset buttons in order      a  apply the editor's split
(function () {
  "use strict";

  // Only fields that take text keep the keys. A slider (or checkbox) keeps the focus after a mouse
  // drag, and its own keys are arrows, Home/End and Page Up/Down: letters and digits stay shortcuts.
  var KEYLESS = /^(range|checkbox|radio|button|submit|reset|color)$/;

  function typing(event) {
    var el = event.target;
    if (!el || !el.tagName) { return false; }
    if (el.tagName === "INPUT") { return !KEYLESS.test(el.type); }
    return el.isContentEditable || /^(SELECT|TEXTAREA)$/.test(el.tagName);
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); }
    return Boolean(el);
  }

  function nextPath() {
    var chips = Array.prototype.slice.call(document.querySelectorAll(".paths .chip"));
    if (!chips.length) { return; }
    var current = chips.findIndex(function (c) { return c.classList.contains("on"); });
    chips[(current + 1) % chips.length].click();
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event)) { return; }
    var key = event.key;
    var done = false;
    if (key === "p") {
      var form = document.querySelector(".probe-form");
      if (form) { form.requestSubmit(); done = true; }
    } else if (key === "s") {
      done = press('.tally button[data-key="s"]');
    } else if (key === "a") {
      done = press("#traffic-editor #ed-apply:not([disabled])");
    } else if (key === "t") {
      nextPath();
      done = true;
    } else if (/^[1-9]$/.test(key)) {
      var presets = document.querySelectorAll('#traffic-editor [aria-label="Presets"] button');
      var preset = presets[Number(key) - 1];
      if (preset) { preset.click(); done = true; }
    }
    if (done) { event.preventDefault(); }
  });
})();
