// The wall screen: a click or a key asks for full screen; the page reloads
// itself (the meta refresh, same address and filters) — this only keeps the
// reload going if the meta refresh was blocked, and scrolls long boards.
(function () {
  "use strict";
  var body = document.body;
  var every = parseInt(body.getAttribute("data-refresh") || "300", 10) * 1000;
  function full() {
    var el = document.documentElement;
    if (!document.fullscreenElement && el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
  }
  document.addEventListener("click", full);
  document.addEventListener("keydown", full);
  setTimeout(function () { window.location.reload(); }, every + 5000);
  // A board taller than the screen scrolls slowly down and starts over.
  var step = 1, pause = 0;
  setInterval(function () {
    var max = document.documentElement.scrollHeight - window.innerHeight;
    if (max <= 0) { return; }
    if (pause > 0) { pause -= 1; return; }
    window.scrollBy(0, step);
    if (window.scrollY >= max - 1) { pause = 80; setTimeout(function () { window.scrollTo(0, 0); pause = 80; }, 4000); }
  }, 50);
}());
