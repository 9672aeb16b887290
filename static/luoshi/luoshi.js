/* Behaviour every page may use, in place of inline handlers (the Content-Security-Policy allows
   scripts from this site's static files only: no inline <script>, no on…= attributes):
   - data-confirm="…" on a form: ask before submitting;
   - data-autosubmit on a select: submit its form on change;
   - data-action="print" / "back" on a button or link;
   - the org tree's +/− toggles (collapsing clears the children instead of loading them). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.dataset && field.dataset.autosubmit !== undefined && field.form) {
      field.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!target) return;
    if (target.dataset.action === "print") {
      event.preventDefault();
      window.print();
    } else if (target.dataset.action === "back" && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // Capture phase: runs before htmx's own click listener on the button, so a collapse never
  // reaches htmx (nothing to load), while an expand goes on to htmx's request.
  document.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest ? event.target.closest("button.toggle[data-children]") : null;
      if (!button) return;
      var expanding = button.textContent.trim() === "+";
      button.textContent = expanding ? "−" : "+";
      if (!expanding) {
        var children = document.getElementById(button.dataset.children);
        if (children) children.innerHTML = "";
        event.stopPropagation();
        event.preventDefault();
      }
    },
    true
  );

  // Global busy indicator: a bar at the top of the page while htmx requests are in flight.
  var busy = 0;
  function busyBar() {
    var bar = document.querySelector(".busy-bar");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "busy-bar";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", "正在加载");
      document.body.appendChild(bar);
    }
    return bar;
  }
  document.addEventListener("htmx:beforeRequest", function () {
    busy += 1;
    busyBar();
    document.body.classList.add("htmx-busy");
    document.body.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function () {
    busy = Math.max(0, busy - 1);
    if (!busy) {
      document.body.classList.remove("htmx-busy");
      document.body.removeAttribute("aria-busy");
    }
  });
})();
