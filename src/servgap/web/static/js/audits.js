/* servgap audits: check the chosen photos (type, size, count) before the form is sent, so an
   auditor on a slow phone connection learns at once; the server checks them again. */
(function () {
  "use strict";
  var TYPES = ["image/jpeg", "image/png", "image/webp"];

  function check(form) {
    var input = form.querySelector('input[type="file"][name="photos"]');
    var box = form.querySelector(".av-photo-error");
    if (!input || !box) { return true; }
    var max = parseInt(form.getAttribute("data-max-photos"), 10) || 0;
    var bytes = parseInt(form.getAttribute("data-photo-bytes"), 10) || 0;
    var kept = parseInt(form.getAttribute("data-kept"), 10) || 0;
    kept -= form.querySelectorAll('input[name="remove_photo"]:checked').length;
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    var problems = [];
    var files = input.files || [];
    if (max && kept + files.length > max) {
      problems.push(zh ? "每次检查最多 " + max + " 张照片。" : "A visit holds at most " + max + " photos.");
    }
    Array.prototype.forEach.call(files, function (f) {
      if (f.type && TYPES.indexOf(f.type) < 0) {
        problems.push(f.name + (zh ? " 不是 JPEG、PNG 或 WebP 图片。" : " is not a JPEG, PNG or WebP image."));
      } else if (bytes && f.size > bytes) {
        var mb = Math.round(bytes / 1048576);
        problems.push(f.name + (zh ? " 超过 " + mb + " MB。" : " is larger than " + mb + " MB."));
      }
    });
    box.textContent = problems.join(" ");
    box.hidden = problems.length === 0;
    return problems.length === 0;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form.av-form"), function (form) {
      var input = form.querySelector('input[type="file"][name="photos"]');
      if (input) { input.addEventListener("change", function () { check(form); }); }
      form.addEventListener("submit", function (ev) {
        if (!check(form)) { ev.preventDefault(); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else { init(); }
})();
