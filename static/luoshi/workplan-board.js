/* The work-plan board's charts (ECharts): tasks by status and open tasks by unit, from the JSON
   in #chart-data. */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var colours = {"逾期": "#dc3545", "滞后": "#ffc107", "待核验": "#0dcaf0", "推进中": "#198754", "已办结": "#20c997", "已销号": "#6c757d", "未启动": "#adb5bd", "已取消": "#dee2e6"};
  var pie = echarts.init(document.getElementById("chart-status"));
  pie.setOption({tooltip: {trigger: "item"}, series: [{type: "pie", radius: ["40%", "70%"],
    data: data.status.map(function (d) { return {name: d.name, value: d.value, itemStyle: {color: colours[d.name]}}; })}]});
  var bars = echarts.init(document.getElementById("chart-units"));
  bars.setOption({tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 10, top: 30, bottom: 60},
    xAxis: {type: "category", data: data.units.map(function (d) { return d.unit; }), axisLabel: {rotate: 30, fontSize: 11}},
    yAxis: {type: "value", minInterval: 1},
    series: [{name: "逾期", type: "bar", stack: "s", color: "#dc3545", data: data.units.map(function (d) { return d.overdue; })},
             {name: "滞后", type: "bar", stack: "s", color: "#ffc107", data: data.units.map(function (d) { return d.lagging; })},
             {name: "其他在办", type: "bar", stack: "s", color: "#198754", data: data.units.map(function (d) { return d.open - d.overdue - d.lagging; })}]});
  window.addEventListener("resize", function () { pie.resize(); bars.resize(); });
})();
