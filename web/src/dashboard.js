/* groundswell serve's dashboard: the trending list, the movements found, a
 * distinct-accounts chart per trending tag with its trend spans shaded, and
 * a tag page (/tags/NAME) with the tag's magnitude, co-tags, languages and
 * mentions. It follows the server-sent events stream
 * (/api/groundswell/v1/stream) and refetches when a trend changes or a
 * bucket closes; without the stream it polls. uPlot draws
 * the charts. Everything shown is text set with textContent (tag names come
 * from posts and are not trusted). */
(function () {
  "use strict";
  var API = "/api/groundswell/v1";
  var COLORS = ["#2563eb", "#ea580c", "#059669", "#db2777", "#7c3aed",
    "#0891b2", "#b45309", "#dc2626", "#4d7c0f", "#475569"];
  var STATUS_ORDER = { trending: 0, rising: 1, cooling: 2, ended: 3 };
  var state = { trends: [], stats: null, plots: [], timer: null, tagCache: {} };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmt(n) {
    if (n === null || n === undefined || isNaN(n)) return "–";
    return Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 });
  }
  function when(iso) {
    if (!iso) return "–";
    return iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
  }
  function lag(x) {
    if (x === undefined || x === null) return "–";
    if (x < 120) return fmt(x) + " s";
    if (x < 7200) return fmt(x / 60) + " min";
    if (x < 172800) return fmt(x / 3600) + " h";
    if (x < 63072000) return fmt(x / 86400) + " days";
    return fmt(x / 31557600) + " years (a replay)";
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }
  function tagPath() {
    var m = location.pathname.match(/^\/tags\/([^/]+)$/);
    return m ? decodeURIComponent(m[1]) : null;
  }
  function go(path) {
    history.pushState(null, "", path);
    render();
  }

  /* One entry per tag: its most recent event, open events first. */
  function trendingList(events) {
    var by = {};
    events.forEach(function (e) {
      var cur = by[e.tag];
      if (!cur || e.start > cur.start) by[e.tag] = e;
    });
    var list = Object.keys(by).map(function (k) { return by[k]; });
    list.sort(function (a, b) {
      var sa = STATUS_ORDER[a.status] === undefined ? 9 : STATUS_ORDER[a.status];
      var sb = STATUS_ORDER[b.status] === undefined ? 9 : STATUS_ORDER[b.status];
      return (sa === 3) - (sb === 3) || b.score - a.score || sa - sb;
    });
    return list;
  }

  function renderStats() {
    var s = state.stats, box = $("stats");
    if (!s) return;
    box.textContent = "";
    [["posts", fmt(s.posts)], ["posts/s (last minute)", fmt(s.posts_per_second)],
     ["accounts", fmt(s.accounts)], ["trends", fmt(s.trends && s.trends.events !== undefined ? s.trends.events : s.trends)],
     ["newest post", when(s.newest_post)], ["lag (wall clock − newest post)", lag(s.lag_seconds)]
    ].forEach(function (p) {
      var d = el("div", "stat");
      d.appendChild(el("b", null, p[1]));
      d.appendChild(el("span", null, p[0]));
      box.appendChild(d);
    });
  }

  function renderList() {
    var ol = $("trends"), sel = tagPath(), list = trendingList(state.trends);
    ol.textContent = "";
    if (!list.length) { ol.appendChild(el("li", "empty", "no trends yet")); return; }
    list.forEach(function (e) {
      var li = el("li"), a = el("a");
      a.href = "/tags/" + encodeURIComponent(e.display || e.tag);
      a.dataset.tag = e.tag;
      if (sel && sel.toLowerCase() === String(e.display || e.tag).toLowerCase()) a.className = "sel";
      a.appendChild(el("span", "name", "#" + (e.display || e.tag)));
      a.appendChild(el("span", "badge " + e.status, e.status));
      a.appendChild(el("span", "meta", fmt(e.accounts) + " accounts · " + fmt(e.posts) +
        " posts · score " + fmt(e.score)));
      a.addEventListener("click", function (ev) { ev.preventDefault(); go(a.getAttribute("href")); });
      li.appendChild(a);
      ol.appendChild(li);
    });
  }

  /* uPlot plugin: shades each trend event's span and marks its peak. */
  function spansPlugin(spans, color) {
    return { hooks: { drawClear: function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      spans.forEach(function (sp) {
        var x0 = u.valToPos(sp.start, "x", true);
        var x1 = u.valToPos(sp.end, "x", true);
        if (x1 < u.bbox.left || x0 > u.bbox.left + u.bbox.width) return;
        x0 = Math.max(x0, u.bbox.left);
        x1 = Math.min(Math.max(x1, x0 + 2), u.bbox.left + u.bbox.width);
        ctx.fillStyle = color + "22";
        ctx.fillRect(x0, top, x1 - x0, h);
        ctx.fillStyle = color;
        ctx.fillRect(x0, top, x1 - x0, 3 * devicePixelRatio);
        if (sp.peak) {
          var xp = u.valToPos(sp.peak, "x", true);
          ctx.strokeStyle = color + "88";
          ctx.setLineDash([4, 4]);
          ctx.beginPath(); ctx.moveTo(xp, top); ctx.lineTo(xp, top + h); ctx.stroke();
          ctx.setLineDash([]);
        }
      });
      ctx.restore();
    } } };
  }
  function secs(iso) { return iso ? Date.parse(iso) / 1000 : null; }
  function spansOf(tag) {
    return state.trends.filter(function (e) { return e.tag === tag; }).map(function (e) {
      return { start: secs(e.start), end: secs(e.end) || secs(state.stats && state.stats.newest_post) || Date.now() / 1000,
        peak: secs(e.peak) };
    });
  }
  function trimTimeline(tl) {
    /* Leading and trailing empty buckets are cut (a day of margin kept). */
    var a = 0, b = tl.length - 1;
    while (a < tl.length && !tl[a].posts) a++;
    while (b > a && !tl[b].posts) b--;
    return tl.slice(Math.max(0, a - 24), Math.min(tl.length, b + 25));
  }

  function chart(box, tag, timeline, color, height, withPosts) {
    var tl = trimTimeline(timeline);
    var xs = tl.map(function (p) { return secs(p.time); });
    var data = [xs, tl.map(function (p) { return p.accounts; })];
    var series = [{}, { label: "accounts", stroke: color, width: 2, fill: color + "1a", points: { show: false } }];
    if (withPosts) {
      data.push(tl.map(function (p) { return p.posts; }));
      series.push({ label: "posts", stroke: "#9ca3af", width: 1.25, dash: [5, 4], points: { show: false } });
    }
    var w = Math.max(300, box.clientWidth || 400);
    var u = new uPlot({
      width: w, height: height, series: series,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: { x: { time: true }, y: { range: function (u, lo, hi) { return [0, Math.max(1, hi * 1.1)]; } } },
      axes: [{ stroke: "#6b7280", grid: { stroke: "#f3f4f6" }, ticks: { stroke: "#e5e7eb" } },
        { stroke: "#6b7280", grid: { stroke: "#eceef2" }, ticks: { stroke: "#e5e7eb" }, size: 56 }],
      legend: { show: !!withPosts },
      cursor: { drag: { x: true, y: false } },
      plugins: [spansPlugin(spansOf(tag), color)]
    }, data, box);
    state.plots.push(u);
    return u;
  }
  function dropPlots() {
    state.plots.forEach(function (u) { u.destroy(); });
    state.plots = [];
  }

  function fetchTag(name, top) {
    return getJSON(API + "/tags/" + encodeURIComponent(name) + (top ? "?top=" + top : ""));
  }

  function renderOverview() {
    var view = $("view"), list = trendingList(state.trends).slice(0, 6);
    var seq = ++state.seq;
    Promise.all(list.map(function (e) { return fetchTag(e.display || e.tag, 3).catch(function () { return null; }); }))
      .then(function (tags) {
        if (seq !== state.seq) return;
        dropPlots();
        view.textContent = "";
        var intro = el("div", "card");
        intro.appendChild(el("h2", null, "Distinct accounts per hour"));
        intro.appendChild(el("p", "sub", list.length ?
          "The " + list.length + " leading trends; shaded: the trend's span, dashed: its peak. Click a tag for its page." :
          "No trend yet: charts appear when a movement is detected."));
        view.appendChild(intro);
        var movements = el("div", "card movements");
        view.appendChild(movements);
        renderMovements(movements, seq);
        var grid = el("div", "charts");
        view.appendChild(grid);
        list.forEach(function (e, i) {
          var t = tags[i];
          if (!t) return;
          var card = el("div", "card"), h = el("h3"), a = el("a", null, "#" + (e.display || e.tag));
          a.href = "/tags/" + encodeURIComponent(e.display || e.tag);
          a.addEventListener("click", function (ev) { ev.preventDefault(); go(a.getAttribute("href")); });
          h.appendChild(a);
          h.appendChild(document.createTextNode(" "));
          h.appendChild(el("span", "badge " + e.status, e.status));
          card.appendChild(h);
          card.appendChild(el("p", "sub", fmt(t.accounts) + " accounts, " + fmt(t.posts) + " posts · peak " +
            when(t.peak && t.peak.time)));
          var box = el("div", "chart");
          card.appendChild(box);
          grid.appendChild(card);
          chart(box, e.tag, t.timeline || [], COLORS[i % COLORS.length], 200, false);
        });
      });
  }

  // Movements (issue 13): tags that trend together and share posts or
  // accounts beyond chance, found by serve as 'groundswell movements' finds
  // them (/movements). Each with its tags in onset order, the distinct
  // accounts across all of them (a union, with its error; never the sum),
  // the posts using any of them, and the order in which languages joined.
  function tagLink(t) {
    var a = el("a", null, "#" + (t.display || t.tag));
    a.href = "/tags/" + encodeURIComponent(t.display || t.tag);
    a.addEventListener("click", function (ev) { ev.preventDefault(); go(a.getAttribute("href")); });
    return a;
  }
  function accountsText(n, rse) {
    // the relative standard error, as +- two of them (about 95%)
    return fmt(n) + (rse > 0 ? " ± " + fmt(2 * rse * n) : " (exact)");
  }
  function renderMovements(box, seq) {
    getJSON(API + "/movements?top=5").then(function (r) {
      if (seq !== state.seq) return;
      box.textContent = "";
      box.appendChild(el("h2", null, "Movements"));
      var mv = r.movements || [];
      if (!mv.length) {
        box.appendChild(el("p", "sub", "No movement yet: tags join one when they trend together and share " +
          "posts or accounts beyond chance (" + fmt(r.candidates) + " trending tags compared)."));
        return;
      }
      box.appendChild(el("p", "sub", "Tags that trend together and share posts or accounts beyond chance, " +
        "measured as one: distinct accounts across all of their tags (±: two standard errors), not their sum."));
      mv.forEach(function (m) {
        var d = el("div", "movement");
        d.dataset.name = m.name;
        d.appendChild(el("h3", null, m.name));
        var nums = el("p", "sub nums-line");
        nums.appendChild(el("b", "accounts", accountsText(m.accounts, m.accounts_error)));
        nums.appendChild(document.createTextNode(" accounts · "));
        nums.appendChild(el("b", "posts", fmt(m.posts)));
        nums.appendChild(document.createTextNode(" posts · the tags' own accounts add up to " + fmt(m.accounts_sum)));
        d.appendChild(nums);
        var ol = el("ol", "onsets");
        (m.tags || []).forEach(function (t) {
          var li = el("li");
          li.dataset.tag = t.tag;
          li.appendChild(tagLink(t));
          li.appendChild(el("span", "meta", " " + fmt(t.accounts) + " accounts, " + fmt(t.posts) + " posts, " +
            (t.onset ? "trending from " + when(t.onset) : "first post " + when(t.first_seen))));
          ol.appendChild(li);
        });
        d.appendChild(ol);
        if (m.languages && m.languages.length)
          d.appendChild(el("p", "sub langs", "languages, by onset: " + m.languages.map(function (l) {
            return (l.lang || "–") + " " + when(l.onset);
          }).join(" → ")));
        box.appendChild(d);
      });
    }).catch(function () { box.textContent = ""; });
  }

  function table(title, rows, cols, link) {
    var card = el("div", "card");
    card.appendChild(el("h3", null, title));
    if (!rows || !rows.length) { card.appendChild(el("p", "sub", "none")); return card; }
    var tb = el("table"), max = Math.max.apply(null, rows.map(function (r) { return r[cols[1]]; }));
    rows.forEach(function (r) {
      var tr = el("tr"), td = el("td");
      if (link) {
        // a tag's "tag" is its folded key: show (and link) its spelling
        var a = el("a", null, "#" + (r.display || r[cols[0]]));
        a.href = "/tags/" + encodeURIComponent(r.display || r[cols[0]]);
        a.addEventListener("click", function (ev) { ev.preventDefault(); go(a.getAttribute("href")); });
        td.appendChild(a);
      } else td.textContent = r[cols[0]];
      var bar = el("div", "bar");
      bar.style.width = Math.max(2, 100 * r[cols[1]] / (max || 1)) + "%";
      td.appendChild(bar);
      tr.appendChild(td);
      tr.appendChild(el("td", "n", fmt(r[cols[1]])));
      tb.appendChild(tr);
    });
    card.appendChild(tb);
    return card;
  }

  // An account as people know it: "@handle (id)"; the id alone when no
  // handle is known (Bluesky's DIDs) or the handle is the id's pseudonym.
  function who(id, handle) {
    return handle && handle !== id ? "@" + handle + " (" + id + ")" : id;
  }

  // "Who addressed whom" in the posts with this tag: the tag's account
  // network (replies, mentions, reposts and quotes), from serve's per-tag
  // table; shown are the most addressed accounts (weighted in-degree) among
  // its 100 most connected ones. The table is bounded: when it has evicted
  // anything the counts may be low, and the panel says so.
  function addressed(lists, seq, t) {
    getJSON(API + "/network?tag=" + encodeURIComponent(t.tag) + "&top_nodes=100").then(function (net) {
      if (seq !== state.seq) return;
      var rows = (net.nodes || []).filter(function (x) { return x.in > 0; })
        .sort(function (a, b) { return b.in - a.in || (a.id < b.id ? -1 : 1); }).slice(0, 10)
        .map(function (x) { return { account: who(x.id, x.handle), addressed: x.in }; });
      var card = table("Who addressed whom in #" + t.display + ": most addressed accounts",
        rows, ["account", "addressed"], false);
      card.classList.add("addressed");
      var s = net.summary, ev = s.evicted || {};
      card.appendChild(el("p", "sub", fmt(s.total_weight) + " replies, mentions, reposts and quotes between " +
        fmt(s.held.nodes) + " accounts in " + fmt(s.posts_selected) + " posts with #" + t.display +
        (ev.edges || ev.nodes ? " (the bounded per-tag table has evicted " + fmt(ev.edges) +
          " light edges of all tags: counts may be low)" : "")));
      lists.appendChild(card);
    }).catch(function () { /* the tag page stands without it */ });
  }

  function renderTag(name) {
    var view = $("view"), seq = ++state.seq;
    fetchTag(name, 10).then(function (t) {
      if (seq !== state.seq) return;
      dropPlots();
      view.textContent = "";
      document.title = "#" + t.display + " — groundswell";
      var head = el("div", "card tag"), h = el("h2", null, "#" + t.display);
      var evs = state.trends.filter(function (e) { return e.tag === t.tag; });
      if (evs.length) { h.appendChild(document.createTextNode(" ")); h.appendChild(el("span", "badge " + evs[evs.length - 1].status, evs[evs.length - 1].status)); }
      head.appendChild(h);
      head.appendChild(el("p", "sub", "first seen " + when(t.first_seen) + " · last seen " + when(t.last_seen)));
      var nums = el("div", "nums magnitude");
      [["accounts", t.accounts], ["posts", t.posts], ["originals", t.originals], ["reposts", t.reposts],
       ["replies", t.replies], ["peak posts/hour", t.peak && t.peak.posts]].forEach(function (p) {
        var d = el("div", "stat");
        d.dataset.k = p[0];
        d.appendChild(el("b", null, fmt(p[1])));
        d.appendChild(el("span", null, p[0]));
        nums.appendChild(d);
      });
      head.appendChild(nums);
      evs.forEach(function (e) {
        head.appendChild(el("p", "sub", "trend " + e.status + ": " + when(e.start) + " → " + (e.status === "ended" ? when(e.end) : "now") +
          ", peak " + when(e.peak) + " with " + fmt(e.peak_accounts) + " accounts/hour, score " + fmt(e.score)));
      });
      var box = el("div", "chart");
      head.appendChild(box);
      view.appendChild(head);
      chart(box, t.tag, t.timeline || [], COLORS[0], 260, true);
      var lists = el("div", "lists");
      lists.appendChild(table("Co-tags", t.co_tags, ["tag", "posts"], true));
      lists.appendChild(table("Languages", t.languages, ["language", "posts"], false));
      lists.appendChild(table("Most mentioned accounts (posts with this tag)", (t.mentions || []).map(function (x) {
        return { account: who(x.account, x.handle), posts: x.posts };
      }), ["account", "posts"], false));
      view.appendChild(lists);
      addressed(lists, seq, t);
    }).catch(function (err) {
      if (seq !== state.seq) return;
      dropPlots();
      view.textContent = "";
      var n = el("div", "note", "#" + name + ": " + (/404/.test(err.message) ? "no posts with this tag yet." : err.message));
      view.appendChild(n);
    });
  }

  function render() {
    renderStats();
    renderList();
    var t = tagPath();
    if (t) renderTag(t); else { document.title = "groundswell — live trends"; renderOverview(); }
  }

  function refresh() {
    return Promise.all([getJSON(API + "/trends"), getJSON(API + "/stats")]).then(function (r) {
      state.trends = r[0];
      state.stats = r[1];
      render();
    }).catch(function (err) { $("live-text").textContent = String(err.message || err); });
  }
  function soon() {
    if (state.timer) return;
    state.timer = setTimeout(function () { state.timer = null; refresh(); }, 1000);
  }
  function setLive(cls, text) { $("live").className = "live " + cls; $("live-text").textContent = text; }

  function follow() {
    if (!window.EventSource) { setInterval(refresh, 5000); setLive("", "polling every 5 s"); return; }
    var es = new EventSource(API + "/stream");
    es.onopen = function () { setLive("on", "live"); };
    es.onerror = function () { setLive("off", "reconnecting…"); };
    es.addEventListener("trend", soon);
    es.addEventListener("bucket", soon);
    setInterval(function () {  /* stats move between buckets too */
      getJSON(API + "/stats").then(function (s) { state.stats = s; renderStats(); }).catch(function () {});
    }, 5000);
  }

  window.addEventListener("popstate", render);
  window.addEventListener("resize", function () {
    state.plots.forEach(function (u) {
      var w = u.root.parentNode.clientWidth;
      if (w) u.setSize({ width: w, height: u.height });
    });
  });
  state.seq = 0;
  refresh();
  follow();
})();
