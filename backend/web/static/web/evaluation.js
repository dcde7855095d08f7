// 绩效自评: ask before 保存并上报 (a button with data-confirm-submit; forms' own data-confirm
// is handled by app.js).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm-submit]");
    if (button && !window.confirm(button.dataset.confirmSubmit)) {
      event.preventDefault();
    }
  });
})();
