/* The rankings page's monthly trend chart (ECharts), from the JSON in #trend-data. */
(function () {
  "use strict";
  var source = document.getElementById("trend-data");
  var target = document.getElementById("trend");
  if (!source || !target || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(target);
  var series = [["response", "响应率"], ["resolution", "解决率"], ["satisfaction", "满意率"], ["on_time", "按期结案率"]];
  chart.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 20, top: 40, bottom: 30},
    xAxis: {type: "category", data: data.map(function (d) { return d.month; })},
    yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
    series: series.map(function (s) {
      return {name: s[1], type: "line", connectNulls: true, data: data.map(function (d) { return d[s[0]]; })};
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
