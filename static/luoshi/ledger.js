// 导出Excel links (data-ledger-export) export what the list shows now: the list filters through
// htmx and pushes its query into the address bar, so the link takes the current query on click.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-ledger-export]") : null;
    if (!link) {
      return;
    }
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    var query = params.toString();
    link.href = link.href.split("?")[0] + (query ? "?" + query : "");
  });
})();
