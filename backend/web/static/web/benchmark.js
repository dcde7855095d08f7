// 对标: choosing a year or a trend metric reloads the page (the forms also work without it).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]")) select.form.submit();
  });
})();
