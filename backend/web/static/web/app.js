// Jixiao pages: the little JavaScript every page shares. Pages work without it where they can.
(function () {
  "use strict";
  // htmx: show server errors instead of swallowing them.
  document.body.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var message = status === 403 ? "您无权执行此操作。" : "操作未完成（" + status + "），请刷新后重试。";
    window.alert(message);
  });
  // <form data-confirm="…">: ask before submitting an irreversible action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // No inline handlers (the Content Security Policy forbids them): <select data-autosubmit>
  // submits its form when changed; <button data-print> prints the page.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) window.print();
  });
  // ECharts: <div class="jx-chart" data-chart="<id of a json_script>"></div>
  window.jxCharts = function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartReady) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      el.dataset.chartReady = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  };
  document.addEventListener("DOMContentLoaded", window.jxCharts);
  document.body.addEventListener("htmx:afterSettle", window.jxCharts);
})();
