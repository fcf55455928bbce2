// Hides a conditional question until its condition's choice is chosen. The survey page works
// without this script: every question is shown, and the server drops the answers to questions
// whose condition is not met.
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) {
    return;
  }
  var dependents = form.querySelectorAll("[data-condition-question]");
  function update() {
    // In page order: a condition is always on an earlier question, decided first.
    Array.prototype.forEach.call(dependents, function (el) {
      var question = el.getAttribute("data-condition-question");
      var choice = el.getAttribute("data-condition-choice");
      var source = document.getElementById("question-" + question);
      var input = document.getElementById("q" + question + "-c" + choice);
      el.hidden = !(source && !source.hidden && input && input.checked);
    });
  }
  form.addEventListener("change", update);
  update();
})();
