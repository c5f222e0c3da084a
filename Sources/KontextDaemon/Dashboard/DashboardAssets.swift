/// The dashboard's static files, compiled in: kontextd serves every asset itself, so the
/// dashboard works offline and the CSP can allow `'self'` only.
enum DashboardAssets {
    static let css = """
        :root { --fg: #1d232a; --muted: #5b6773; --line: #d8dee4; --bg: #f7f9fb; --accent: #3358d4; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
        header nav { margin-left: auto; display: flex; gap: .8rem; }
        .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; }
        .subtitle { color: var(--muted); }
        main { padding: 1rem 1.2rem; max-width: 1400px; }
        a { color: var(--accent); }
        section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin-bottom: 1rem; }
        h1 { font-size: 1.25rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; } h3 { font-size: .95rem; margin: .8rem 0 .3rem; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; font-size: .85rem; }
        .thumbs img, img.thumb { border-radius: 3px; background: #e8ecf0; object-fit: cover; margin-right: 2px; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #e8ecf0; }
        .state-completed, .state-stored { background: #d3f5dc; color: #17612c; }
        .state-failed, .state-rejected { background: #fde0e0; color: #8c1d1d; }
        .state-submitted, .state-pending { background: #dde7ff; color: #1f3b99; }
        .state-held, .state-paused, .state-not-queued { background: #fff0c2; color: #7a5200; }
        .state-delivered, .state-ok { background: #d3f5dc; color: #17612c; }
        .state-dead-lettered, .state-dead_letters { background: #fde0e0; color: #8c1d1d; }
        .location code, .sync-error { font-size: .8rem; word-break: break-all; }
        .reason { color: var(--muted); font-size: .8rem; max-width: 36rem; }
        .prompt { color: var(--muted); max-width: 32rem; }
        .time { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
        .sha code { font-size: .75rem; word-break: break-all; }
        progress { width: 6rem; vertical-align: middle; }
        .filter { display: flex; gap: 1rem; align-items: center; margin-bottom: .6rem; }
        .filter input { width: 5rem; }
        .pager { display: flex; gap: 1rem; }
        .health .ok { color: #17612c; }
        .conditions li { color: #8c1d1d; }
        dl.spend, dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
        dt { color: var(--muted); } dd { margin: 0; }
        .timeline { padding-left: 1.2rem; } .timeline li { margin: .15rem 0; }
        .event-final { font-weight: 600; } .event-error, .event-failed { color: #8c1d1d; }
        pre.request { white-space: pre-wrap; word-break: break-all; background: var(--bg); padding: .6rem; border-radius: 4px; }
        .error-code { font-weight: 600; }
        .empty { color: var(--muted); }
        """

    /// Live updates without a framework: while something on the page can still change, the
    /// page's own server-rendered fragment is fetched again every two seconds and swapped in.
    static let javascript = """
        "use strict";
        (function () {
          var INTERVAL = 2000;
          function fragmentURL(name) {
            var url = new URL(window.location.href);
            url.searchParams.set("fragment", name);
            return url.toString();
          }
          function refresh(name, target, liveHolder) {
            fetch(fragmentURL(name), { headers: { "Accept": "text/html" }, cache: "no-store" })
              .then(function (response) { return response.ok ? response.text() : null; })
              .then(function (html) {
                if (html === null) { return; }
                target.innerHTML = html;
                schedule(name, target, liveHolder);
              })
              .catch(function () { window.setTimeout(function () { refresh(name, target, liveHolder); }, INTERVAL * 2); });
          }
          function stillLive(liveHolder) {
            var holder = liveHolder();
            if (!holder) { return false; }
            if (holder.dataset.live === "1") { return true; }
            return holder.querySelector("[data-state='queued'], [data-state='held'], [data-state='submitted']") !== null;
          }
          function schedule(name, target, liveHolder) {
            if (stillLive(liveHolder)) {
              window.setTimeout(function () { refresh(name, target, liveHolder); }, INTERVAL);
            }
          }
          document.addEventListener("DOMContentLoaded", function () {
            var select = document.getElementById("state-filter");
            if (select) { select.addEventListener("change", function () { select.form.submit(); }); }
            var rows = document.getElementById("task-rows");
            if (rows) {
              schedule("rows", rows, function () { return rows; });
            }
            var main = document.getElementById("main");
            if (document.getElementById("task") && main) {
              schedule("task", main, function () { return document.getElementById("task"); });
            }
          });
        })();
        """

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#3358d4"/>\
        <path d="M4 3v10M4 8l6-5M4 8l6 5" stroke="#fff" stroke-width="2" fill="none"/></svg>
        """
}
