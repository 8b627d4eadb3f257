// Type-ahead choice fields (templates/includes/typeahead.html): keyboard and
// clearing the search box once a match is chosen, so the choice is what is saved.
(function () {
  if (window.jiayuanTypeahead) return;
  window.jiayuanTypeahead = true;

  function radios(box) {
    return Array.prototype.slice.call(box.querySelectorAll(".picks input[type=radio]"));
  }

  function choose(box, radio) {
    radio.checked = true;
    radio.focus();
    box.querySelector("input[type=search]").value = "";
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".typeahead input[type=search]")) return;
    var box = input.closest(".typeahead");
    var matches = radios(box).filter(function (r) { return r.value !== ""; });
    if (event.key === "ArrowDown" && matches.length) {
      event.preventDefault();
      choose(box, matches.find(function (r) { return r.checked; }) || matches[0]);
    } else if (event.key === "Enter" && input.value.trim() && matches.length) {
      // Enter takes the first match instead of saving the whole form.
      event.preventDefault();
      choose(box, matches[0]);
    }
  });

  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches(".typeahead .picks input[type=radio]")) return;
    radio.closest(".typeahead").querySelector("input[type=search]").value = "";
  });
})();
