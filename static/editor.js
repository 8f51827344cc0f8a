// The traffic editor's behaviour htmx has no attribute for. Loaded once per page; no inline scripts.
//
// 1. A slider's release ("change") must always reach the server, carrying the final value: htmx drops
//    an element's other triggers while one is throttled, so the release is posted here instead, and
//    marked `_event=change` (the server snaps a clamped slider back, or applies in live mode).
// 2. Live posts say whether they come from a slider still moving ("input") or something else.
// 3. A late live answer never overwrites the text field the user is typing in (their value posts next).
(function () {
  "use strict";
  if (window.splitboardEditor) { return; }
  window.splitboardEditor = true;

  function inEditor(el) {
    return el && el.closest && el.closest("#traffic-editor");
  }

  document.addEventListener("change", function (evt) {
    var el = evt.target;
    if (!window.htmx || !inEditor(el) || el.type !== "range" || !el.getAttribute("hx-post")) { return; }
    window.htmx.ajax("POST", el.getAttribute("hx-post"), { source: el, swap: "none", values: { _event: "change" } });
  });

  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var target = evt.detail.target;
    if (target === document.activeElement && inEditor(target) && target.type === "text") {
      evt.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:configRequest", function (evt) {
    var cause = evt.detail.triggeringEvent;
    if (cause && inEditor(evt.detail.elt) && evt.detail.parameters._event === undefined) {
      evt.detail.parameters._event = cause.type;
    }
  });
})();
