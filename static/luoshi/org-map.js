/* An org's boundary on its detail page (Leaflet). No base-map tiles by default (nothing is
   fetched from outside); the boundary is drawn alone, from the JSON in #grid-geometry. */
(function () {
  "use strict";
  var source = document.getElementById("grid-geometry");
  if (!source || !document.getElementById("grid-map") || !window.L) return;
  var geometry = JSON.parse(source.textContent);
  var map = L.map("grid-map", {attributionControl: false});
  var layer = L.geoJSON(geometry, {style: {color: "#b3261e", weight: 2, fillOpacity: 0.15}}).addTo(map);
  map.fitBounds(layer.getBounds(), {padding: [20, 20]});
})();
