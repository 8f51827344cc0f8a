// Applies the stored colour theme before the page paints (loaded synchronously in <head>).
(function () {
  "use strict";
  var stored = null;
  try { stored = window.localStorage.getItem("splitboard-theme"); } catch (e) { stored = null; }
  if (stored === "light" || stored === "dark") {
    document.documentElement.setAttribute("data-theme", stored);
  }
})();
