/* HTML report behaviour: filters, search, copy buttons, printing. Plain JavaScript.
   Reads scan data only from the DOM (data-* attributes and textContent); never writes HTML. */
(function () {
  "use strict";

  var table = document.getElementById("findings-table");
  var rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  var texts = null;
  var ATTENTION = { fail: true, unknown: true, error: true };
  var filters = {
    sev: document.getElementById("filter-sev"),
    st: document.getElementById("filter-st"),
    rule: document.getElementById("filter-rule"),
    sub: document.getElementById("filter-sub"),
    reg: document.getElementById("filter-reg")
  };
  var search = document.getElementById("filter-q");
  var counter = document.getElementById("filter-count");
  var noMatch = document.getElementById("no-match");

  function rowText(row) {
    var parts = [];
    for (var i = 0; i < row.cells.length; i++) {
      parts.push(row.cells[i].textContent);
    }
    return parts.join(" ").toLowerCase();
  }

  function apply() {
    var want = {};
    Object.keys(filters).forEach(function (key) {
      want[key] = filters[key] ? filters[key].value : "";
    });
    var query = search ? search.value.trim().toLowerCase() : "";
    if (query && texts === null) {
      texts = rows.map(rowText);
    }
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var d = rows[i].dataset;
      var ok = (!want.sev || d.sev === want.sev) &&
        (!want.st || d.st === want.st || (want.st === "attention" && ATTENTION[d.st] === true)) &&
        (!want.rule || d.rule === want.rule) &&
        (!want.sub || d.sub === want.sub) &&
        (!want.reg || d.reg === want.reg) &&
        (!query || texts[i].indexOf(query) !== -1);
      if (rows[i].hidden === ok) {
        rows[i].hidden = !ok;
      }
      if (ok) {
        shown++;
      }
    }
    if (counter) {
      counter.textContent = shown + " of " + rows.length + " listed findings shown";
    }
    if (noMatch) {
      noMatch.hidden = shown !== 0;
    }
  }

  var timer = null;
  Object.keys(filters).forEach(function (key) {
    if (filters[key]) {
      filters[key].addEventListener("change", apply);
    }
  });
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, 120);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        clearTimeout(timer);
        apply();
      }
    });
  }
  var reset = document.getElementById("filter-reset");
  if (reset) {
    reset.addEventListener("click", function () {
      Object.keys(filters).forEach(function (key) {
        if (filters[key]) {
          filters[key].value = "";
        }
      });
      if (search) {
        search.value = "";
      }
      apply();
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () {
        return true;
      }, function () {
        return fallbackCopy(text);
      });
    }
    return Promise.resolve(fallbackCopy(text));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (!button) {
      return;
    }
    var source = button.parentElement ? button.parentElement.querySelector("pre") : null;
    if (!source) {
      return;
    }
    copyText(source.textContent).then(function (ok) {
      button.textContent = ok ? "Copied" : "Copy failed";
      button.classList.toggle("copied", ok);
      setTimeout(function () {
        button.textContent = "Copy";
        button.classList.remove("copied");
      }, 1500);
    });
  });

  function openAncestors(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
  }

  function revealHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    if (target) {
      openAncestors(target);
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", revealHash);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (link) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        openAncestors(target);
      }
    }
  });
  if (location.hash) {
    revealHash();
  }

  function setAll(open) {
    var all = document.querySelectorAll("details.registry");
    for (var i = 0; i < all.length; i++) {
      all[i].open = open;
    }
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) {
    expand.addEventListener("click", function () { setAll(true); });
  }
  if (collapse) {
    collapse.addEventListener("click", function () { setAll(false); });
  }

  // Print every section expanded (CSS does it too where ::details-content is supported).
  var reopened = [];
  window.addEventListener("beforeprint", function () {
    reopened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
  });

  apply();
})();
