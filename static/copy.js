// Copy buttons: <button data-copy="ID"> copies the text of the element with that id; an empty
// data-copy copies the YAML inside the button's <details>. Delegated, so swapped-in content works too.
(function () {
  "use strict";

  function textFor(button) {
    var id = button.getAttribute("data-copy");
    var source = id ? document.getElementById(id) : button.closest("details");
    var pre = source && source.querySelector("pre");
    return pre ? pre.textContent : "";
  }

  // Without the Clipboard API (a page served over plain http beyond localhost), select and copy.
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    area.remove();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function say(button, words) {
    var status = button.parentElement && button.parentElement.querySelector(".copied");
    if (status) status.textContent = words;
    else button.setAttribute("title", words);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = textFor(button);
    var copying = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text)
      : fallback(text);
    copying.then(
      function () { say(button, "Copied " + text.split("\n").length + " lines"); },
      function () { say(button, "Could not copy: select the text instead"); }
    );
  });
})();
