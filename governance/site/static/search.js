(function () {
  "use strict";
  var box = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var base = document.body.getAttribute("data-base") || "";
  var LIMIT = 30;
  var prepared = null;

  // The index is loaded and lower-cased once, when the search box is first focused, not per query.
  function loadIndex(then) {
    if (window.MESH_INDEX) { prepare(); then(); return; }
    var script = document.createElement("script");
    script.src = base + "assets/search-index.js";
    script.onload = function () { prepare(); then(); };
    document.head.appendChild(script);
  }

  function prepare() {
    if (prepared) return prepared;
    prepared = window.MESH_INDEX.products.map(function (p) {
      return {
        p: p, name: p.name.toLowerCase(),
        cols: p.columns.map(function (c) { return c.toLowerCase(); }),
        meta: [p.domain, p.owner || "", p.classification || "", p.tags.join(" "),
               p.column_classes.join(" ")].join(" ").toLowerCase()
      };
    });
    return prepared;
  }

  // Every product, column, tag, owner and classification is scanned: names first, then columns, then the rest.
  function search(query) {
    var q = query.trim().toLowerCase();
    var hits = [];
    if (!q) return hits;
    var items = prepare();
    for (var i = 0; i < items.length; i++) {
      var it = items[i], score = 0, why = "";
      if (it.name.indexOf(q) !== -1) { score = it.name === q || it.name.endsWith("." + q) ? 4 : 3; why = "product"; }
      else {
        for (var j = 0; j < it.cols.length; j++) {
          if (it.cols[j].indexOf(q) !== -1) { score = it.cols[j] === q ? 2.5 : 2; why = "column " + it.p.columns[j]; break; }
        }
        if (!score && it.meta.indexOf(q) !== -1) { score = 1; why = "domain, owner, tag or classification"; }
      }
      if (score) hits.push({ score: score, why: why, product: it.p });
    }
    hits.sort(function (a, b) { return b.score - a.score || (a.product.name < b.product.name ? -1 : 1); });
    return hits;
  }

  function render(hits) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!box.value.trim()) return;
    var count = document.createElement("div");
    count.className = "count";
    count.textContent = hits.length + (hits.length === 1 ? " match" : " matches");
    list.appendChild(count);
    hits.slice(0, LIMIT).forEach(function (hit) {
      var a = document.createElement("a");
      a.setAttribute("href", base + hit.product.url);
      a.className = "hit";
      a.textContent = hit.product.name;
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = hit.why + " \u00b7 " + hit.product.domain + " \u00b7 " + hit.product.health;
      a.appendChild(why);
      list.appendChild(a);
    });
  }

  window.MeshSearch = { search: function (q) { return search(q); }, load: loadIndex };
  if (!box) return;
  box.addEventListener("focus", function () { loadIndex(function () {}); });
  box.addEventListener("input", function () { loadIndex(function () { render(search(box.value)); }); });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { var first = list.querySelector("a.hit"); if (first) first.click(); }
    if (e.key === "Escape") { box.value = ""; render([]); }
  });
})();
