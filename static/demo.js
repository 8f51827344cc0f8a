// Splitboard demo tools: keyboard shortcuts for the presenter (no inline scripts; htmx does the rest).
//   p  start a probe          s  stop the running probe
//   t  highlight the next path (route URL, then each tag, then everything)
//   1-9  press the traffic editor's preset buttons in order      a  apply the editor's split
// and the explain diagram's zoom: fitted to its card until zoomed, then panned by dragging; the zoom
// and the scroll position survive the diagram's live updates.
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

  // --- explain: zoom and pan ------------------------------------------------------------------------
  var zoom = null; // null: fit to width; else a scale of the drawing's own size
  var ZOOM_STEP = 1.25;

  function shownDrawing() {
    var all = document.querySelectorAll(".explain-scroll .explain-drawing");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getClientRects().length) { return all[i]; }
    }
    return null;
  }

  function applyZoom() {
    document.querySelectorAll(".explain-scroll").forEach(function (box) {
      var svg = box.querySelector(".explain-drawing");
      box.classList.toggle("zoomed", zoom !== null);
      if (!svg) { return; }
      svg.style.width = zoom === null ? "" : Math.round(svg.width.baseVal.value * zoom) + "px";
    });
  }

  function zoomBy(how) {
    var svg = shownDrawing();
    if (!svg) { return; }
    var natural = svg.width.baseVal.value;
    var fitted = svg.getBoundingClientRect().width / natural;
    if (how === "fit") {
      zoom = null;
    } else {
      var next = (zoom === null ? fitted : zoom) * (how === "in" ? ZOOM_STEP : 1 / ZOOM_STEP);
      var fit = Math.min(1, svg.parentNode.clientWidth / natural);
      zoom = next <= fit + 0.01 ? null : Math.min(next, 4);
    }
    applyZoom();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".explain-tools [data-zoom]");
    if (button) { zoomBy(button.getAttribute("data-zoom")); }
  });

  // Pan: drag the zoomed drawing; a drag that moved is no click on the box under it.
  var pan = null;
  document.addEventListener("pointerdown", function (event) {
    var box = event.target.closest && event.target.closest(".explain-scroll.zoomed");
    if (!box || event.button !== 0) { return; }
    pan = { box: box, x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop, moved: false };
  });
  document.addEventListener("pointermove", function (event) {
    if (!pan) { return; }
    var dx = event.clientX - pan.x, dy = event.clientY - pan.y;
    if (!pan.moved && Math.abs(dx) + Math.abs(dy) < 5) { return; }
    pan.moved = true;
    pan.box.classList.add("panning");
    pan.box.scrollLeft = pan.left - dx;
    pan.box.scrollTop = pan.top - dy;
  });
  function swallow(event) {
    event.preventDefault();
    event.stopPropagation();
  }
  document.addEventListener("pointerup", function () {
    if (!pan) { return; }
    pan.box.classList.remove("panning");
    if (pan.moved) {
      // the click that follows this release, if any, comes before the next task
      document.addEventListener("click", swallow, true);
      window.setTimeout(function () { document.removeEventListener("click", swallow, true); }, 0);
    }
    pan = null;
  });

  // Live updates (SSE) replace the drawing: keep its zoom and where it was scrolled to.
  var scrolled = null;
  function holdsDrawing(el) { return el && el.querySelector && el.querySelector(".explain-scroll"); }
  function keepScroll() {
    var shown = shownDrawing();
    scrolled = shown ? { left: shown.parentNode.scrollLeft, top: shown.parentNode.scrollTop } : null;
  }

  // An update landing between a button's press and its release replaces the chip or box pressed, and
  // the browser then sends the click to what the old and new elements share (the card): the click is
  // lost, and with pods coming and going the diagram updates every few seconds. While a button is held
  // on the diagram's card its updates wait; the newest goes in once the click has been handled.
  var pressedOn = null;
  var waiting = null;
  var replaying = null; // the waiting update, until it goes in or a newer one has
  document.addEventListener("pointerdown", function (event) {
    var card = event.target.closest && event.target.closest("[sse-swap]");
    pressedOn = card && holdsDrawing(card) ? card : null;
  }, true);
  function released() {
    var update = waiting;
    pressedOn = null;
    waiting = null;
    if (!update) { return; }
    replaying = update;
    window.setTimeout(function () {  // the click follows the release in the same task
      if (replaying !== update || !document.body.contains(update.target) || !window.htmx) { return; }
      replaying = null;
      keepScroll();
      window.htmx.swap(update.target, update.data, { swapStyle: "innerHTML", swapDelay: 0, settleDelay: 0 });
      window.htmx.trigger(update.target, "htmx:sseMessage", { data: update.data });
    }, 0);
  }
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);

  function beforeSwap(event) {
    if (!holdsDrawing(event.target)) { return; }
    if (pressedOn === event.target) {
      event.preventDefault();
      waiting = { target: event.target, data: event.detail.data };
      return;
    }
    replaying = null;
    keepScroll();
  }
  function afterSwap(event) {
    if (!holdsDrawing(event.target)) { return; }
    applyZoom();
    var shown = shownDrawing();
    if (shown && scrolled) {
      shown.parentNode.scrollLeft = scrolled.left;
      shown.parentNode.scrollTop = scrolled.top;
    }
  }
  document.addEventListener("htmx:sseBeforeMessage", beforeSwap);
  document.addEventListener("htmx:sseMessage", afterSwap);

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
