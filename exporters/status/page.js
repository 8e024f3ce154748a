"use strict";
(function () {
  document.documentElement.classList.add("js");
  var input = document.getElementById("filter");
  var cards = document.querySelectorAll(".svc");
  if (input && cards.length > 6) {
    input.hidden = false;
    var saved = sessionStorage.getItem("pantau-filter") || "";
    var apply = function () {
      var q = input.value.trim().toLowerCase();
      sessionStorage.setItem("pantau-filter", input.value);
      for (var i = 0; i < cards.length; i++) {
        var n = cards[i].getAttribute("data-name") || "";
        cards[i].hidden = q !== "" && n.toLowerCase().indexOf(q) < 0;
      }
    };
    input.value = saved;
    input.addEventListener("input", apply);
    apply();
  }
  var age = document.getElementById("age");
  if (age) {
    var start = Date.now();
    var unit = age.getAttribute("data-unit") || "s";
    setInterval(function () {
      age.textContent = Math.round((Date.now() - start) / 1000) + " " + unit;
    }, 1000);
  }
})();
