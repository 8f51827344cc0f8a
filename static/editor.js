// The traffic editor's one piece of behaviour htmx has no attribute for: telling the server whether a
// live post comes from a slider still moving ("input") or released ("change"), so a release can snap
// a clamped slider back, or apply in live mode. Loaded once per page; no inline scripts anywhere.
(function () {
  "use strict";
  if (window.splitboardEditor) { return; }
  window.splitboardEditor = true;
  document.addEventListener("htmx:configRequest", function (evt) {
    var cause = evt.detail.triggeringEvent;
    if (cause && evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("#traffic-editor")) {
      evt.detail.parameters["_event"] = cause.type;
    }
  });
})();
