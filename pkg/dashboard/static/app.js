// kubelab dashboard: the little the pages need a script for. Pages are
// rendered by the server; this only
//   - keeps a live page up to date: it opens the page's event stream and
//     puts each fragment the server sends in place of the element with
//     its id (live.go says what the server sends, and when);
//   - follows a pod's logs on the pod page;
//   - submits the namespace and kind selectors when they change.
// It never talks to the apiserver: only to the dashboard that served it.
"use strict";

(function () {
  // Swap one fragment in. The card of a pod new to the fragment is marked
  // so that the eye finds it; a field the viewer is typing in keeps its
  // value and the focus.
  function replaceFragment(id, html) {
    var old = document.getElementById(id);
    if (!old) return;
    var before = new Set();
    old.querySelectorAll("[data-pod]").forEach(function (el) { before.add(el.dataset.pod); });
    var active = document.activeElement;
    var keep = active && old.contains(active) && active.id ? { id: active.id, value: active.value } : null;

    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    var fresh = tpl.content.firstElementChild;
    if (!fresh) return;
    old.replaceWith(fresh);

    if (before.size > 0 || id !== "map") {
      fresh.querySelectorAll("[data-pod]").forEach(function (el) {
        if (!before.has(el.dataset.pod)) el.classList.add("arrived");
      });
    }
    if (keep) {
      var again = document.getElementById(keep.id);
      if (again) { again.value = keep.value; again.focus(); }
    }
    document.dispatchEvent(new CustomEvent("kubelab:fragment", { detail: { id: id } }));
  }

  // A page the browser keeps for the back button (the back/forward
  // cache) would keep its stream open, and a browser opens at most six
  // connections to one address: the stream closes when the page is hidden
  // and opens again, with the whole view, when it is shown.
  function connectLive(url) {
    var es = openLive(url);
    window.addEventListener("pagehide", function () { es.close(); });
    window.addEventListener("pageshow", function (e) { if (e.persisted) es = openLive(url.replace(/since=\d+/, "since=0")); });
  }

  function openLive(url) {
    var state = document.getElementById("live");
    var es = new EventSource(url);
    es.addEventListener("open", function () {
      if (state) { state.classList.add("on"); state.title = "live updates: connected"; }
    });
    es.addEventListener("error", function () {
      if (state) { state.classList.remove("on"); state.title = "live updates: reconnecting"; }
    });
    es.addEventListener("fragment", function (e) {
      var f = JSON.parse(e.data);
      replaceFragment(f.id, f.html);
    });
    window.kubelabLive = es;
    return es;
  }

  // Logs: one event stream per container followed; lines are appended,
  // and the view stays at the bottom while the viewer has not scrolled up.
  var maxLogLines = 5000;
  function setupLogs() {
    var form = document.querySelector("form[data-log]");
    var out = document.getElementById("log");
    if (!form || !out) return;
    var select = document.getElementById("log-container");
    var button = document.getElementById("log-follow");
    var state = document.getElementById("log-state");
    var es = null;
    function stop(why) {
      if (es) { es.close(); es = null; }
      button.textContent = "Follow";
      if (why) state.textContent = why;
    }
    function start() {
      stop();
      out.textContent = "";
      var url = form.dataset.log + "?container=" + encodeURIComponent(select.value);
      es = new EventSource(url);
      button.textContent = "Stop";
      state.textContent = "following " + select.value;
      es.addEventListener("line", function (e) {
        var atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
        out.append(JSON.parse(e.data).text + "\n");
        while (out.childNodes.length > maxLogLines) out.removeChild(out.firstChild);
        if (atBottom) out.scrollTop = out.scrollHeight;
      });
      es.addEventListener("end", function (e) { stop(JSON.parse(e.data).text); });
    }
    button.addEventListener("click", function () { if (es) stop("stopped"); else start(); });
    window.addEventListener("pagehide", function () { stop("stopped"); });
    select.addEventListener("change", start);
    start();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    var live = document.body.dataset.live;
    if (live) connectLive(live);
    setupLogs();
  });
})();
