// The goal pages: weights summed live as one types, the library picker loaded when opened,
// "select all" in the picker. The pages work without it (the sums are the server's).
(function () {
  "use strict";
  function value(text) {
    var number = parseFloat(String(text || "").replace(/,/g, ""));
    return isFinite(number) ? number : 0;
  }
  function shown(number) {
    return String(Math.round(number * 100) / 100);
  }
  function mark(chip, sum) {
    var ok = Math.abs(sum - value(chip.dataset.expected)) < 0.005;
    chip.classList.toggle("is-ok", ok);
    chip.classList.toggle("is-off", !ok);
    chip.querySelector("[data-sum]").textContent = shown(sum);
  }
  function recount() {
    var rows = document.querySelectorAll(".jx-ind-grid .jx-ind-row");
    if (!rows.length) return;
    var groups = {}, levels = {}, total = 0;
    rows.forEach(function (row) {
      var input = row.querySelector("input[name$='-weight']");
      var weight = input ? value(input.value) : value(row.dataset.weight);
      groups[row.dataset.group] = (groups[row.dataset.group] || 0) + weight;
      levels[row.dataset.level1] = (levels[row.dataset.level1] || 0) + weight;
      total += weight;
    });
    document.querySelectorAll("[data-weight-group]").forEach(function (chip) {
      mark(chip, groups[chip.dataset.weightGroup] || 0);
    });
    document.querySelectorAll("[data-weight-total]").forEach(function (chip) { mark(chip, total); });
    document.querySelectorAll("[data-level1-sum]").forEach(function (cell) {
      cell.textContent = shown(levels[cell.dataset.level1Sum] || 0);
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(".jx-ind-row input[name$='-weight']")) recount();
  });
  document.body.addEventListener("htmx:afterSettle", recount);

  var picker = document.getElementById("jx-picker");
  if (picker) {
    picker.addEventListener("shown.bs.collapse", function () {
      var search = document.getElementById("jx-picker-search");
      if (search && window.htmx && !picker.dataset.loaded) {
        picker.dataset.loaded = "1";
        window.htmx.trigger(search, "jx-open");
      }
      var input = picker.querySelector("input[name=q]");
      if (input) input.focus();
    });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-check-all]")) return;
    var form = event.target.closest("form");
    form.querySelectorAll("input[name=library_indicator]").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
