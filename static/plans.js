// Rollout plans: counts down to a plan's next step between live updates (<time class="countdown">, its
// datetime the moment the step's pause ends). The server's next update replaces it when the step moves.
(function () {
  "use strict";

  function text(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    if (s < 60) { return s + "s"; }
    var m = Math.floor(s / 60), rest = s % 60;
    if (m < 60) { return rest ? m + "m" + rest + "s" : m + "m"; }
    var h = Math.floor(m / 60);
    return m % 60 ? h + "h" + (m % 60) + "m" : h + "h";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (t) {
      var due = Date.parse(t.getAttribute("datetime"));
      if (!isNaN(due)) { t.textContent = text((due - now) / 1000); }
    });
  }
  window.setInterval(tick, 250);
  document.addEventListener("htmx:sseMessage", tick);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
