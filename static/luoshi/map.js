/* Public maps (群众端): the report form's location picker with place search and "already reported
   nearby", the public reports map and a public case's map. Leaflet; the base map comes from the
   page's #map-config (core/maptiles.py): none (offline: grid outlines and community labels on a
   plain background), 天地图 or an XYZ provider. Stored coordinates are WGS-84; for a GCJ-02
   provider (高德/腾讯) points are shifted onto the tiles for display and clicks shifted back
   (the same transform as core/coords.py). No inline scripts: CSP. */
(function () {
  "use strict";

  var GRID_STYLE = {color: "#b3261e", weight: 1.5, fillOpacity: 0.06};
  var GRID_STYLE_TILES = {color: "#b3261e", weight: 1.5, fillOpacity: 0.02, opacity: 0.6};
  var AREA_STYLE = {color: "#0d6efd", weight: 3, fillOpacity: 0.1};

  // ---- WGS-84 <-> GCJ-02 (core/coords.py) ----------------------------------------------------
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lon, lat) { return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271); }
  function offset(lon, lat) {
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + common;
    dLat += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    dLat += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + common;
    dLon += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    dLon += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    return [dLon * 180.0 / (A / sq * Math.cos(rad) * PI), dLat * 180.0 / ((A * (1 - EE)) / (magic * sq) * PI)];
  }
  function wgsToGcj(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var d = offset(lon, lat);
    return [lon + d[0], lat + d[1]];
  }
  function gcjToWgs(lon, lat) {
    if (outOfChina(lon, lat)) return [lon, lat];
    var x = lon, y = lat;
    for (var i = 0; i < 30; i++) {
      var g = wgsToGcj(x, y), dx = g[0] - lon, dy = g[1] - lat;
      x -= dx; y -= dy;
      if (Math.abs(dx) < 1e-7 && Math.abs(dy) < 1e-7) break;
    }
    return [x, y];
  }

  function readConfig() {
    var node = document.getElementById("map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  // A Leaflet map with the configured base map; view(lon, lat) → LatLng on screen, stored(latlng) → [lon, lat].
  function baseMap(el, config, options) {
    var tiles = config.tiles || [];
    var map = L.map(el, Object.assign({attributionControl: tiles.length > 0, zoomSnap: 0.5}, options || {}));
    tiles.forEach(function (t) {
      L.tileLayer(t.url, {subdomains: t.subdomains || "abc", attribution: t.attribution || "", maxZoom: t.maxZoom || 18}).addTo(map);
    });
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    el.classList.add(tiles.length ? "map-tiles" : "map-offline");
    var gcj = config.crs === "gcj02" && tiles.length > 0;
    map.luoshi = {
      tiles: tiles.length > 0,
      view: function (lon, lat) { var p = gcj ? wgsToGcj(lon, lat) : [lon, lat]; return L.latLng(p[1], p[0]); },
      stored: function (latlng) { return gcj ? gcjToWgs(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat]; },
    };
    function labels() {
      el.classList.toggle("map-labels", map.getZoom() >= 13);
      el.dataset.zoom = String(map.getZoom());  // read by the browser tests
    }
    map.on("zoomend", labels);
    map.whenReady(labels);
    return map;
  }

  // The grid outlines (cached GeoJSON) with community labels; resolves to the grids layer.
  function loadGrids(map, config) {
    return fetch(config.grids, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error("grids " + r.status);
      return r.json();
    }).then(function (data) {
      var grids = L.geoJSON(data, {
        style: map.luoshi.tiles ? GRID_STYLE_TILES : GRID_STYLE,
        coordsToLatLng: function (c) { return map.luoshi.view(c[0], c[1]); },
        filter: function (f) { return !f.properties.label; },
        onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.n, {sticky: true}); },
      }).addTo(map);
      L.geoJSON(data, {
        filter: function (f) { return !!f.properties.label; },
        coordsToLatLng: function (c) { return map.luoshi.view(c[0], c[1]); },
        pointToLayer: function (f, latlng) {
          return L.marker(latlng, {interactive: false, keyboard: false,
            icon: L.divIcon({className: "map-label", html: "", iconSize: null})});
        },
        onEachFeature: function (f, layer) {
          layer.on("add", function () { var el = layer.getElement(); if (el) el.textContent = f.properties.label; });
        },
      }).addTo(map);
      return grids;
    });
  }

  function boundsOfArea(grids, areaId) {
    var bounds = null;
    grids.eachLayer(function (layer) {
      if (String(layer.feature.properties.c) === String(areaId)) {
        bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
      }
    });
    return bounds;
  }

  function gridAt(grids, latlng) {
    var found = null;
    grids.eachLayer(function (layer) {
      if (found || !layer.getBounds().contains(latlng)) return;
      var rings = layer.getLatLngs();
      (Array.isArray(rings[0][0]) ? rings : [rings]).forEach(function (poly) {
        if (!found && inside(latlng, poly[0])) found = layer;
      });
    });
    return found;
  }

  function inside(p, ring) {
    var x = p.lng, y = p.lat, hit = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i].lng, yi = ring[i].lat, xj = ring[j].lng, yj = ring[j].lat;
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { var args = arguments; clearTimeout(timer); timer = setTimeout(function () { fn.apply(null, args); }, ms); };
  }

  // ---- the report form ------------------------------------------------------------------------
  function reportMap(el) {
    if (el.dataset.ready || !window.L) return;
    el.dataset.ready = "1";
    var config = readConfig();
    var form = el.closest("form");
    var wrap = el.closest("[data-report-map-wrap]");
    var lonInput = document.getElementById(el.dataset.lon);
    var latInput = document.getElementById(el.dataset.lat);
    var area = document.getElementById(el.dataset.area);
    var category = form.elements.category;
    var status = wrap.querySelector("[data-pick-status]");
    var nearbyBox = form.querySelector("[data-nearby]");
    var map = baseMap(el, config);
    map.setView([28.2, 112.9], 11);
    var grids = null, marker = null, highlight = null, gridId = "";

    function say(text) { if (status) status.textContent = text; }

    function nearby() {
      if (!nearbyBox) return;
      var params = new URLSearchParams();
      params.set("category", category ? category.value : "");
      params.set("longitude", lonInput.value);
      params.set("latitude", latInput.value);
      params.set("area", area ? area.value : "");
      params.set("grid", gridId);
      if (!params.get("category") || !(lonInput.value || params.get("area"))) { nearbyBox.innerHTML = ""; return; }
      fetch(config.nearby + "?" + params.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { nearbyBox.innerHTML = html; });
    }

    function showArea(areaId, fit) {
      if (highlight) { map.removeLayer(highlight); highlight = null; }
      if (!grids || !areaId) return;
      var bounds = boundsOfArea(grids, areaId);
      if (!bounds) return;
      highlight = L.rectangle(bounds, Object.assign({interactive: false}, AREA_STYLE, {fillOpacity: 0, dashArray: "6 6"})).addTo(map);
      if (fit) map.fitBounds(bounds, {padding: [12, 12], maxZoom: 17});
    }

    function setPoint(lon, lat, source) {
      lonInput.value = lon.toFixed(6);
      latInput.value = lat.toFixed(6);
      var latlng = map.luoshi.view(lon, lat);
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, {radius: 9, color: "#0d6efd", weight: 3, fillOpacity: 0.85}).addTo(map);
      var grid = grids ? gridAt(grids, latlng) : null;
      gridId = grid ? String(grid.feature.properties.id) : "";
      if (grid && area && grid.feature.properties.c && area.value !== String(grid.feature.properties.c)) {
        area.value = String(grid.feature.properties.c);
        showArea(area.value, false);
      }
      var areaName = area && area.selectedIndex > 0 ? area.options[area.selectedIndex].text : "";
      say((source || "已选位置") + ":" + (grid ? [areaName, grid.feature.properties.n].filter(Boolean).join(" · ") : lon.toFixed(5) + ", " + lat.toFixed(5)));
      nearby();
    }

    loadGrids(map, config).then(function (layer) {
      grids = layer;
      if (area && area.value) showArea(area.value, true);
      else if (grids.getLayers().length) map.fitBounds(grids.getBounds(), {padding: [8, 8]});
      var lon = parseFloat(lonInput.value), lat = parseFloat(latInput.value);
      if (!isNaN(lon) && !isNaN(lat)) { setPoint(lon, lat); map.setView(map.luoshi.view(lon, lat), 16); }
      el.dataset.loaded = "1";
    }).catch(function () { say("地图加载失败,请直接选择所在社区并填写地址"); });

    map.on("click", function (event) {
      var p = map.luoshi.stored(event.latlng);
      setPoint(p[0], p[1]);
    });
    if (area) area.addEventListener("change", function () {
      showArea(area.value, true);
      if (area.value && !lonInput.value) say("已定位到所选社区,可在地图上点击问题的具体位置");
      nearby();
    });
    if (category) category.addEventListener("change", nearby);

    var gps = wrap.querySelector("[data-gps]");
    if (gps) {
      if (!navigator.geolocation) gps.hidden = true;
      gps.addEventListener("click", function () {
        say("正在定位…");
        navigator.geolocation.getCurrentPosition(function (position) {
          setPoint(position.coords.longitude, position.coords.latitude, "当前位置");
          map.setView(map.luoshi.view(position.coords.longitude, position.coords.latitude), 17);
        }, function () { say("无法获取当前位置,请搜索或选择所在社区,再在地图上点选"); },
        {enableHighAccuracy: true, timeout: 10000});
      });
    }

    placeSearch(wrap, config, function (place) {
      if (place.area && area) { area.value = String(place.area); showArea(area.value, false); }
      if (place.bounds) {
        var b = place.bounds;
        map.fitBounds(L.latLngBounds(map.luoshi.view(b[0], b[1]), map.luoshi.view(b[2], b[3])), {padding: [12, 12], maxZoom: 17});
      } else if (place.point) {
        map.setView(map.luoshi.view(place.point[0], place.point[1]), 17);
      }
      say("已定位到" + place.name + ",请在地图上点击问题的具体位置");
      nearby();
    });
  }

  function placeSearch(wrap, config, choose) {
    var input = wrap.querySelector("[data-place-search]");
    var list = wrap.querySelector("[data-place-results]");
    if (!input || !list) return;
    var run = debounce(function () {
      var q = input.value.trim();
      if (!q) { list.hidden = true; list.textContent = ""; return; }
      fetch(config.places + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          list.textContent = "";
          (data.results || []).forEach(function (place) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "list-group-item list-group-item-action";
            var name = document.createElement("span");
            name.textContent = place.name;
            var meta = document.createElement("small");
            meta.className = "text-muted ms-2";
            meta.textContent = [place.kind_label, place.within].filter(Boolean).join(" · ");
            button.appendChild(name);
            button.appendChild(meta);
            button.addEventListener("click", function () {
              list.hidden = true;
              input.value = place.name;
              choose(place);
            });
            list.appendChild(button);
          });
          if (!list.children.length) {
            var none = document.createElement("div");
            none.className = "list-group-item text-muted";
            none.textContent = data.error || "没有找到,请换个说法,或直接在地图上点选";
            list.appendChild(none);
          }
          list.hidden = false;
        });
    }, 250);
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // never submit the report from the search box
        event.preventDefault();
        var first = list.querySelector("button");
        if (first && !list.hidden) first.click();
      }
    });
  }

  // ---- public reports map and a public case's map -------------------------------------------
  function reportsMap(el) {
    if (el.dataset.ready || !window.L) return;
    el.dataset.ready = "1";
    var config = readConfig();
    var map = baseMap(el, config, {scrollWheelZoom: false});
    map.setView([28.2, 112.9], 11);
    var points = L.featureGroup().addTo(map);
    loadGrids(map, config).then(function (grids) {
      return fetch(el.dataset.points, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
        (data.points || []).forEach(function (p) {
          var marker = L.circleMarker(map.luoshi.view(p.point[0], p.point[1]), {
            radius: 7, weight: 2, color: p.open ? "#b3261e" : "#198754", fillOpacity: 0.85,
          });
          var box = document.createElement("div");
          var link = document.createElement("a");
          link.href = config.reports + encodeURIComponent(p.number) + "/";
          link.textContent = p.title;
          var state = document.createElement("div");
          state.className = "small text-muted";
          state.textContent = p.status;
          box.appendChild(link);
          box.appendChild(state);
          marker.bindPopup(box);
          points.addLayer(marker);
        });
        var area = el.dataset.area ? boundsOfArea(grids, el.dataset.area) : null;
        if (area) map.fitBounds(area, {padding: [10, 10]});
        else if (points.getLayers().length) map.fitBounds(points.getBounds(), {padding: [20, 20], maxZoom: 15});
        else if (grids.getLayers().length) map.fitBounds(grids.getBounds());
        el.dataset.loaded = "1";
      });
    });
  }

  function pointMap(el) {
    if (el.dataset.ready || !window.L) return;
    el.dataset.ready = "1";
    var config = readConfig();
    var map = baseMap(el, config, {scrollWheelZoom: false});
    var lon = parseFloat(el.dataset.lon), lat = parseFloat(el.dataset.lat);
    var latlng = map.luoshi.view(lon, lat);
    map.setView(latlng, 16);
    loadGrids(map, config).then(function () {
      L.circleMarker(latlng, {radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.85}).addTo(map);
      el.dataset.loaded = "1";
    });
  }

  function init() {
    document.querySelectorAll("[data-report-map]").forEach(reportMap);
    document.querySelectorAll("[data-reports-map]").forEach(reportsMap);
    document.querySelectorAll("[data-point-map]").forEach(pointMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
