/* Case pages: Leaflet maps (no base tiles: nothing is fetched from outside), a point picker,
   show/hide of dependent form parts, copy-link, and htmx handling of 400/409 responses (the
   server re-renders the form with its Chinese error message, which htmx should swap in). */
(function () {
  "use strict";

  if (window.htmx) {
    htmx.config.responseHandling = [
      {code: "204", swap: false},
      {code: "[23]..", swap: true},
      {code: "(400|409|429)", swap: true},
      {code: "[45]..", swap: false, error: true},
      {code: "...", swap: false},
    ];
    document.body.addEventListener("htmx:responseError", function (event) {
      var xhr = event.detail.xhr;
      var text = xhr && xhr.status === 403 ? "您没有进行此操作的权限" : "操作失败,请刷新页面后重试";
      window.alert(text);
    });
  }

  var GRID_STYLE = {color: "#b3261e", weight: 2, fillOpacity: 0.08};

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function caseMap(el) {
    if (el.dataset.ready || !window.L) return;
    el.dataset.ready = "1";
    var data = readJSON(el.dataset.caseMap);
    if (!data) return;
    var map = L.map(el, {attributionControl: false, scrollWheelZoom: false});
    var point = data.point ? L.latLng(data.point[1], data.point[0]) : null;
    if (data.grid) {
      var bounds = L.geoJSON(data.grid, {style: GRID_STYLE}).addTo(map).getBounds();
      if (point) bounds.extend(point);
      map.fitBounds(bounds, {padding: [20, 20], maxZoom: 18});
    } else {
      map.setView(point, 16);
    }
    if (point) L.circleMarker(point, {radius: 8, color: "#0d6efd", weight: 2, fillOpacity: 0.8}).addTo(map);
  }

  function setPoint(wrap, lon, lat) {
    var lonInput = document.getElementById(wrap.dataset.lonId);
    var latInput = document.getElementById(wrap.dataset.latId);
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    var status = wrap.querySelector("[data-pick-status]");
    if (status) status.textContent = "已选位置:" + lonInput.value + ", " + latInput.value;
    if (wrap._map) {
      if (wrap._marker) wrap._marker.setLatLng([lat, lon]);
      else wrap._marker = L.circleMarker([lat, lon], {radius: 8, color: "#0d6efd", fillOpacity: 0.8}).addTo(wrap._map);
    }
  }

  function pickMap(el) {
    if (el.dataset.ready || !window.L) return;
    el.dataset.ready = "1";
    var wrap = el.closest("[data-pick-map-wrap]");
    wrap.dataset.lonId = el.dataset.lon;
    wrap.dataset.latId = el.dataset.lat;
    var grids = readJSON(el.dataset.pickMap) || [];
    var map = L.map(el, {attributionControl: false});
    var group = L.featureGroup().addTo(map);
    grids.forEach(function (grid) {
      L.geoJSON(grid.geometry, {style: GRID_STYLE}).bindTooltip(grid.name).addTo(group);
    });
    if (grids.length) map.fitBounds(group.getBounds(), {padding: [10, 10]});
    wrap._map = map;
    map.on("click", function (event) { setPoint(wrap, event.latlng.lng, event.latlng.lat); });
    var lon = parseFloat(document.getElementById(el.dataset.lon).value);
    var lat = parseFloat(document.getElementById(el.dataset.lat).value);
    if (!isNaN(lon) && !isNaN(lat)) setPoint(wrap, lon, lat);
  }

  function locateButton(button) {
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    if (!navigator.geolocation) { button.hidden = true; return; }
    var ids = button.dataset.locate.split(",");
    var wrap = button.closest("[data-pick-map-wrap]");
    wrap.dataset.lonId = ids[0];
    wrap.dataset.latId = ids[1];
    button.addEventListener("click", function () {
      var status = wrap.querySelector("[data-pick-status]");
      if (status) status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (position) {
        setPoint(wrap, position.coords.longitude, position.coords.latitude);
        if (wrap._map) wrap._map.setView([position.coords.latitude, position.coords.longitude], 17);
      }, function () {
        if (status) status.textContent = "无法获取当前位置,请选择所在社区或填写地址";
      }, {enableHighAccuracy: true, timeout: 10000});
    });
  }

  // <div data-show-when="mode=on_spot">, data-show-when="mode!=on_spot", data-hide-when="anonymous=on"
  function valueOf(form, name) {
    var control = form.elements[name];
    if (!control) return null;
    if (control.type === "checkbox") return control.checked ? "on" : "";
    if (control.type === "radio") return control.checked ? control.value : "";
    return control.value;
  }

  function applyToggles(form) {
    form.querySelectorAll("[data-show-when],[data-hide-when]").forEach(function (el) {
      var spec = el.dataset.showWhen || el.dataset.hideWhen;
      var negate = spec.indexOf("!=") > 0;
      var parts = spec.split(negate ? "!=" : "=");
      var current = valueOf(form, parts[0]);
      if (current === null) return; // the control is not on this form: leave the part shown
      var match = negate ? current !== parts[1] : current === parts[1];
      el.hidden = el.dataset.showWhen ? !match : match;
    });
  }

  function toggles(root) {
    root.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-show-when],[data-hide-when]")) return;
      applyToggles(form);
      if (!form.dataset.toggles) {
        form.dataset.toggles = "1";
        form.addEventListener("change", function () { applyToggles(form); });
      }
    });
  }

  function copyButton(button) {
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      var text = document.querySelector(button.dataset.copy).textContent.trim();
      var done = function () { button.textContent = "已复制"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var area = document.createElement("textarea");
        area.value = text;
        document.body.appendChild(area);
        area.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* the link stays visible to copy by hand */ }
        area.remove();
      }
    });
  }

  function init(root) {
    root = root || document;
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-case-map]").forEach(caseMap);
    root.querySelectorAll("[data-pick-map]").forEach(pickMap);
    root.querySelectorAll("[data-locate]").forEach(locateButton);
    root.querySelectorAll("[data-copy]").forEach(copyButton);
    toggles(root);
  }

  if (window.htmx) htmx.onLoad(init);
  else document.addEventListener("DOMContentLoaded", function () { init(document); });
})();

/* The case list's bulk actions: select-all for the page, the count of selected rows, and the
   list refreshed after a bulk action (the server sends HX-Trigger: cases-changed). */
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.bulk-row"));
  }

  function refresh() {
    var all = document.getElementById("bulk-all");
    var rows = boxes();
    var checked = rows.filter(function (b) { return b.checked; }).length;
    var count = document.getElementById("bulk-count");
    if (count) count.textContent = checked ? "已选 " + checked + " 件" : "未选择";
    var submit = document.getElementById("bulk-submit");
    if (submit) submit.disabled = !checked;
    if (all) {
      all.checked = rows.length > 0 && checked === rows.length;
      all.indeterminate = checked > 0 && checked < rows.length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "bulk-all") {
      boxes().forEach(function (b) { b.checked = target.checked; });
      refresh();
    } else if (target.classList && target.classList.contains("bulk-row")) {
      refresh();
    }
  });
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", refresh);

  document.body.addEventListener("cases-changed", function () {
    if (window.htmx && document.getElementById("case-table")) {
      htmx.ajax("GET", window.location.href, {target: "#case-table", swap: "innerHTML"});
    }
  });
})();
