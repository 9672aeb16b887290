/* 智能辅助 panel: "填入" buttons pre-fill a field of the case's action form (the dispatcher still
   submits it). Delegated once, so htmx swaps of the case page keep working. */
(function () {
  "use strict";
  if (window.luoshiIntel) return;
  window.luoshiIntel = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-intel-fill]");
    if (!button) return;
    var field = document.getElementById(button.dataset.intelFill);
    if (!field) return;
    field.value = button.dataset.value;
    field.dispatchEvent(new Event("change", {bubbles: true}));
    field.classList.add("is-valid");
    field.focus();
  });
})();
