// Splitboard page behaviour: the light/dark toggle (stored in localStorage), live ages, the namespace
// page's filter and groups. No inline scripts anywhere.
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

  // Ages: rows are rendered once and reused, so each age is a timestamp (<time class="age">) that this
  // counts from, the way kubectl prints ages (app.model.views.ages.human_duration).
  function duration(seconds) {
    var s = Math.floor(seconds);
    if (s < -1) { return "<invalid>"; }
    if (s < 0) { return "0s"; }
    if (s < 120) { return s + "s"; }
    var minutes = Math.floor(s / 60);
    if (minutes < 10) { return s % 60 ? minutes + "m" + (s % 60) + "s" : minutes + "m"; }
    if (minutes < 180) { return minutes + "m"; }
    var hours = Math.floor(minutes / 60);
    if (hours < 8) { return minutes % 60 ? hours + "h" + (minutes % 60) + "m" : hours + "h"; }
    if (hours < 48) { return hours + "h"; }
    var days = Math.floor(hours / 24);
    if (hours < 24 * 8) { return hours % 24 ? days + "d" + (hours % 24) + "h" : days + "d"; }
    if (days < 365 * 2) { return days + "d"; }
    var years = Math.floor(days / 365), rest = days % 365;
    return days < 365 * 8 && rest ? years + "y" + rest + "d" : years + "y";
  }
  function refreshAges() {
    var now = Date.now();
    document.querySelectorAll("time.age[datetime]").forEach(function (t) {
      var when = Date.parse(t.getAttribute("datetime"));
      if (!isNaN(when)) { t.textContent = duration((now - when) / 1000); }
    });
  }
  window.setInterval(refreshAges, 1000);

  // The namespace page's filter narrows every section on the server (it finds rows not loaded yet):
  // each section is fetched again with `q`. While a filter is set, a live update of a section fetches
  // the narrowed section instead of showing the whole one; opened groups of Kubernetes Services are
  // opened again after an update folds them.
  var opened = new Set();
  function index() { return document.querySelector(".section-index[data-sections]"); }
  function query() {
    var input = document.getElementById("filter");
    return input ? input.value.trim() : "";
  }
  function reloadSection(slot) {
    var nav = index();
    if (!nav || !window.htmx) { return; }
    var q = query();
    var url = nav.getAttribute("data-sections").replace(/_$/, encodeURIComponent(slot.id));
    // Each section is its own request source: htmx runs one request per source at a time.
    window.htmx.ajax("GET", q ? url + "?q=" + encodeURIComponent(q) : url, { source: slot, target: slot, swap: "innerHTML" });
  }
  function applyFilter() {
    document.querySelectorAll("#content section.slot").forEach(reloadSection);
    var url = new URL(window.location.href);
    if (query()) { url.searchParams.set("q", query()); } else { url.searchParams.delete("q"); }
    window.history.replaceState(window.history.state, "", url.toString());
  }
  var filterTimer = null;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "filter") { return; }
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(applyFilter, 250);
  });
  document.addEventListener("submit", function (event) {
    if (!event.target.closest || !event.target.closest(".section-index") || !window.htmx) { return; }
    event.preventDefault();
    window.clearTimeout(filterTimer);
    applyFilter();
  });
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-toggle-group]");
    if (!toggle) { return; }
    var key = toggle.getAttribute("data-toggle-group");
    if (toggle.getAttribute("data-open") === "1") { opened.add(key); } else { opened.delete(key); }
  });
  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    if (index() && query() && event.target.matches("section.slot") && event.target.id !== "summary") {
      event.preventDefault();
      reloadSection(event.target);
    }
  });
  function reopen(root) {
    root.querySelectorAll("[data-toggle-group][data-open='1']").forEach(function (toggle) {
      if (opened.has(toggle.getAttribute("data-toggle-group"))) {
        window.htmx.process(toggle);  // new content is wired when it settles, after this event
        toggle.click();
      }
    });
  }
  // A folded group whose rows load when first opened (the namespace list's system namespaces): when the
  // stream replaces its inside while it is open, its rows load at once.
  function loadOpened(root) {
    if (root.tagName !== "DETAILS" || !root.open) { return; }
    root.querySelectorAll(":scope > .deferred").forEach(function (loader) {
      window.htmx.process(loader);
      root.dispatchEvent(new Event("toggle"));
    });
  }
  document.addEventListener("htmx:sseMessage", function (event) {
    reopen(event.target);
    loadOpened(event.target);
    refreshAges();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.matches && event.target.matches("section.slot")) { reopen(event.target); }
    refreshAges();
  });

  document.addEventListener("DOMContentLoaded", function () {
    openTarget();
    refreshAges();
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
