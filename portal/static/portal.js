// Sesame portal: small enhancements only. Every page works without this
// script; the CSP allows no other script and no inline code.
"use strict";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function signed(n) { return n > 0 ? "+" + n : String(n); }

// The what-if panel answers in place (the form posts normally without JS).
function initWhatIf() {
  const form = document.getElementById("whatif-form");
  const out = document.getElementById("whatif-result");
  if (!form || !out) return;
  const feature = form.elements.feature;
  if (feature && feature.tagName === "SELECT") {
    feature.addEventListener("change", () => {
      const opt = feature.options[feature.selectedIndex];
      if (opt && opt.dataset.target) form.elements.value.value = opt.dataset.target;
    });
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    out.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "application/json", "X-CSRF-Token": form.elements.csrf.value },
        credentials: "same-origin",
      });
      const data = await res.json();
      out.replaceChildren();
      if (!res.ok) {
        out.append(el("p", "error", data.error ? data.error.message : res.statusText));
        return;
      }
      const p = el("p", "answer");
      p.append(el("strong", "", data.summary));
      out.append(p);
      const table = el("table", "compact");
      const head = table.createTHead().insertRow();
      for (const k of ["dim", "now", "then", "delta"]) {
        const th = el("th", k === "dim" ? "" : "num", out.dataset["l" + k[0].toUpperCase() + k.slice(1)]);
        th.scope = "col";
        head.append(th);
      }
      const body = table.createTBody();
      for (const d of data.dimensions || []) {
        const row = body.insertRow();
        const th = el("th", "", d.label);
        th.scope = "row";
        row.append(th, el("td", "num", String(d.score)), el("td", "num", String(d.then)), el("td", "num", signed(d.delta)));
      }
      out.append(table);
    } catch (e) {
      form.submit();
    } finally {
      out.removeAttribute("aria-busy");
    }
  });
}

// Copy buttons next to credential links.
function initCopy() {
  for (const b of document.querySelectorAll("button.copy")) {
    b.addEventListener("click", async () => {
      const input = document.getElementById(b.dataset.copy);
      if (!input) return;
      input.select();
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (e) {
        document.execCommand("copy");
      }
      b.textContent = "✓ " + b.textContent.replace(/^✓ /, "");
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  initWhatIf();
  initCopy();
});

// Times show in the browser's own time zone: the server reads it from this
// cookie, set on the first page (the login page, usually); without it, or
// without this script, times show in UTC, labelled.
function rememberZone() {
  let tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!tz || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(tz)) return;
  const had = document.cookie.split("; ").find((c) => c.startsWith("sesame_tz="));
  if (had === "sesame_tz=" + tz) return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = "sesame_tz=" + tz + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
}
rememberZone();
