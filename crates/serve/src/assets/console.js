// panels console: live job progress (server-sent events). The pages work
// without it: a running job's page then refreshes itself every 3 seconds.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.getAttribute("data-running") !== "true" || !window.EventSource) { return; }
  var meta = document.getElementById("refresh");
  if (meta) { meta.parentNode.removeChild(meta); }
  var phase = document.getElementById("job-phase");
  var bar = document.getElementById("job-bar");
  // The phases in the page's language (code → word).
  var words = JSON.parse(job.getAttribute("data-words") || "{}");
  var source = new EventSource(job.getAttribute("data-events"));
  source.addEventListener("progress", function (e) {
    var v = JSON.parse(e.data);
    var p = v.progress;
    phase.textContent = (words[v.phase] || v.phase || "") + (p ? " · " + p.what + " " + p.done + (p.total ? "/" + p.total : "") : "");
    if (p && p.total) { bar.max = p.total; bar.value = p.done; } else { bar.removeAttribute("value"); }
  });
  source.addEventListener("done", function () { source.close(); window.location.reload(); });
  source.onerror = function () { source.close(); setTimeout(function () { window.location.reload(); }, 2000); };
})();
