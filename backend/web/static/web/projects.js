// 项目: the project page's tabs mark the chosen one while htmx loads it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".jx-tabs a[data-tab]");
    if (!link) return;
    document.querySelectorAll(".jx-tabs a[data-tab]").forEach(function (other) {
      var chosen = other === link;
      other.classList.toggle("active", chosen);
      other.setAttribute("aria-selected", chosen ? "true" : "false");
    });
  });
})();
