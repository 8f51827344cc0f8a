// The traffic editor's behaviour htmx has no attribute for. Loaded once per page; no inline scripts.
//
// 1. A slider's release ("change") must always reach the server, carrying the final value: htmx drops
//    an element's other triggers while one is throttled, so the release is posted here instead, and
//    marked `_event=change` (the server snaps a clamped slider back, or applies in live mode). Keys
//    fire a change per step: the release is posted once the slider has been still for RELEASE_MS, so a
//    burst of arrow keys, like one drag, makes one release (in live mode: one apply, one history entry).
// 2. Live posts say whether they come from a slider still moving ("input") or something else.
// 3. A late live answer never overwrites the text field the user is typing in (their value posts next).
// 4. Enter in the kn field sets it (the form's default button only previews); Copy copies the kn command.
// 5. See below: no scroll jump when the editor is replaced.
(function () {
  "use strict";
  if (window.splitboardEditor) { return; }
  window.splitboardEditor = true;

  var RELEASE_MS = 450;
  var pending = new Map();

  function inEditor(el) {
    return el && el.closest && el.closest("#traffic-editor");
  }

  function isLiveRange(el) {
    return window.htmx && inEditor(el) && el.type === "range" && el.getAttribute("hx-post");
  }

  function release(el) {
    pending.delete(el.id);
    if (!document.body.contains(el) || el.disabled) { return; }
    window.htmx.ajax("POST", el.getAttribute("hx-post"), { source: el, swap: "none", values: { _event: "change" } });
  }

  function postpone(el) {
    clearTimeout(pending.get(el.id));
    pending.set(el.id, setTimeout(function () { release(el); }, RELEASE_MS));
  }

  document.addEventListener("change", function (evt) {
    if (isLiveRange(evt.target)) { postpone(evt.target); }
  });

  document.addEventListener("input", function (evt) {
    // Still moving: a release already waiting is put off until the slider is still again.
    if (isLiveRange(evt.target) && pending.has(evt.target.id)) { postpone(evt.target); }
  });

  document.addEventListener("change", function (evt) {
    // A locked row's slider stops at once; the server's answer renders it disabled too.
    var box = evt.target;
    if (!inEditor(box) || box.type !== "checkbox" || !/^ed-t\d+-locked$/.test(box.id)) { return; }
    var slider = document.getElementById(box.id.replace(/-locked$/, "-slider"));
    if (slider) { slider.disabled = box.checked; }
  });

  document.addEventListener("keydown", function (evt) {
    var el = evt.target;
    if (evt.key !== "Enter" || !inEditor(el) || !el.dataset || !el.dataset.enterAction) { return; }
    var button = el.form && el.form.querySelector("button[name='action'][value='" + el.dataset.enterAction + "']");
    if (button) {
      evt.preventDefault();
      button.click();  // htmx sends the clicked button's name and value, as a plain form post does
    }
  });

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("#traffic-editor [data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.dataset.copy);
    if (!source) { return; }
    var text = source.textContent.trim();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { button.textContent = "Select and copy"; });
    }
  });

  // 5. Replacing the whole editor (after an apply) must not scroll the page: the browser's scroll
  //    anchoring, seeing the new editor inserted above the old one for a moment, would jump the page
  //    down by the editor's height, away from the slider the user is moving.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "traffic-editor") {
      document.documentElement.classList.add("ed-swapping");
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.documentElement.classList.remove("ed-swapping");
  });

  // 6. The field in use is not replaced by a live answer, so its row's new messages mark it invalid (or
  //    valid again) here, as a rendered field would be.
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    var swapped = evt.detail.target;
    var found = swapped && swapped.id && /^ed-t(\d+)-msgs$/.exec(swapped.id);
    var list = found && document.getElementById(swapped.id);  // the new list (the old one left the page)
    if (!list) { return; }
    var invalid = list.querySelector(".error") !== null;
    var number = document.getElementById("ed-t" + found[1] + "-percent");
    var row = document.getElementById("ed-row-" + found[1]);
    if (number) { number.setAttribute("aria-invalid", invalid ? "true" : "false"); }
    if (row) { row.classList.toggle("invalid", invalid); }
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
