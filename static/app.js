// Splitboard page behaviour: the light/dark toggle (stored in localStorage). No inline scripts anywhere.
(function () {
  "use strict";
  var KEY = "splitboard-theme";

  function current() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set === "light" || set === "dark") { return set; }
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function label(button) {
    button.textContent = current() === "dark" ? "Light theme" : "Dark theme";
    button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
  }

  // The SSE container says whether live updates flow (htmx sse extension events), for people and tests.
  function live(state) {
    return function (event) {
      var target = event.target;
      if (target && target.setAttribute) { target.setAttribute("data-live", state); }
    };
  }
  document.addEventListener("htmx:sseOpen", live("open"));
  document.addEventListener("htmx:sseError", live("retrying"));
  document.addEventListener("htmx:sseClose", live("closed"));

  // A link to an object's YAML (the explain view's boxes: `#yaml-<kind>-<name>`) opens its <details>.
  function openTarget() {
    var id = window.location.hash.slice(1);
    var target = id && document.getElementById(decodeURIComponent(id));
    if (target && target.tagName === "DETAILS" && !target.open) {
      target.open = true;
      target.scrollIntoView({ block: "start" });
    }
  }
  window.addEventListener("hashchange", openTarget);

  document.addEventListener("DOMContentLoaded", function () {
    openTarget();
    var button = document.getElementById("theme-toggle");
    if (!button) { return; }
    label(button);
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { window.localStorage.setItem(KEY, next); } catch (e) { /* private mode: not stored */ }
      label(button);
    });
  });
})();
