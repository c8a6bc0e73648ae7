// The job page while a job runs: asks for the job's state every few seconds and shows it
// in the page's live region (read out by screen readers); when the job has finished it loads
// the page again, which then shows the outcome. Without script the page has a Refresh link.
// (Not a meta refresh: a page that reloads itself on a timer fails WCAG 2.2.1, and axe-core.)
(function () {
  "use strict";
  var box = document.querySelector("[data-job-state]");
  if (!box) return;
  var url = box.getAttribute("data-job-state");
  var every = 1000 * Number(box.getAttribute("data-job-every") || "3");
  var bar = box.querySelector("progress");
  var said = box.querySelector("#job-progress");
  var template = box.getAttribute("data-job-signed") || "";
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        if (state.status !== "queued") {
          window.location.reload();
          return;
        }
        if (state.running && bar && said) {
          bar.value = state.done;
          said.textContent = template
            .replace("%(done)s", String(state.done))
            .replace("%(of)s", String(state.total));
        }
        window.setTimeout(ask, every);
      })
      .catch(function () {
        window.setTimeout(ask, every * 2); // the server is busy or away: ask less often
      });
  }
  window.setTimeout(ask, every);
})();
