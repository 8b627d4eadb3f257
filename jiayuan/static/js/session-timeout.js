// The idle warning (templates/core/_session_warning.html, jiayuan.core.sessions):
// the server ends a session after a while without activity; shortly before,
// this shows the hidden banner (role="alert") whose button keeps the session.
// The server is asked before showing it — another tab may have been in use —
// and at the end the page is reloaded, which leads to the login page with the
// reason. Every text is the template's; the numbers are its data- attributes.
(function () {
  "use strict";
  var box = document.getElementById("session-warning");
  if (!box || !window.fetch) { return; }
  var warning = parseInt(box.getAttribute("data-warning-seconds"), 10);
  var statusUrl = box.getAttribute("data-status-url");
  var stay = box.querySelector("button.session-stay");
  var timer = null;

  function later(seconds, then) {
    clearTimeout(timer);
    timer = setTimeout(then, Math.max(0, seconds) * 1000);
  }
  function leave() { window.location.assign(window.location.href); }
  // `left`: seconds the server gives the session before it ends.
  function plan(left) {
    if (left > warning) {
      box.hidden = true;
      later(left - warning, check);
    } else if (left > 0) {
      box.hidden = false;
      later(left + 1, check);
    } else {
      leave();
    }
  }
  function answer(response) {
    if (!response.ok) { throw new Error("signed out"); }
    return response.json();
  }
  function heard(data) {
    if (data && data.signed_in && typeof data.idle_left === "number") { plan(data.idle_left); } else { leave(); }
  }
  function check() {
    fetch(statusUrl, {credentials: "same-origin", redirect: "manual",
                      headers: {"Accept": "application/json"}})
      .then(answer).then(heard)
      .catch(function (error) {
        // Offline: ask again shortly; signed out (a redirect): go and see.
        if (error && error.message === "signed out") { leave(); } else { later(20, check); }
      });
  }
  // "Stay signed in": a POST (with the page's CSRF token) that counts as activity.
  stay.addEventListener("click", function () {
    fetch(statusUrl, {method: "POST", credentials: "same-origin", redirect: "manual",
                      headers: {"Accept": "application/json",
                                "X-CSRFToken": box.getAttribute("data-csrf")}})
      .then(answer).then(heard)
      .catch(leave);
  });
  var left = parseInt(box.getAttribute("data-idle-left"), 10);
  if (!isNaN(left) && !isNaN(warning)) { plan(left); }
}());
