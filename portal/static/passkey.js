// Sesame portal: passkeys (WebAuthn). Loaded only by the login and account
// pages; without it, or without passkey support, those pages still work
// with e-mail links and the passkey buttons stay hidden.
"use strict";

(function () {
  function b64uToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64u(buf) {
    const bytes = new Uint8Array(buf);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error && data.error.message ? data.error.message : res.statusText);
    return data;
  }
  function say(text) {
    const s = document.getElementById("passkey-status");
    if (s) s.textContent = text;
  }
  const supported = !!(window.PublicKeyCredential && navigator.credentials);

  // Log in: the browser offers whichever passkey it holds for this site.
  const login = document.getElementById("passkey-login");
  if (login && supported) {
    document.getElementById("passkey-login-box").hidden = false;
    login.addEventListener("click", async () => {
      const csrf = login.dataset.csrf;
      try {
        const opts = await post("/portal/passkey/begin", csrf);
        const pk = opts.publicKey;
        pk.challenge = b64uToBuf(pk.challenge);
        (pk.allowCredentials || []).forEach((c) => { c.id = b64uToBuf(c.id); });
        const cred = await navigator.credentials.get({ publicKey: pk });
        const r = cred.response;
        const done = await post("/portal/passkey/finish?next=" + encodeURIComponent(login.dataset.next || "/portal/"), csrf, {
          id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
          response: {
            clientDataJSON: bufToB64u(r.clientDataJSON), authenticatorData: bufToB64u(r.authenticatorData),
            signature: bufToB64u(r.signature), userHandle: r.userHandle ? bufToB64u(r.userHandle) : null,
          },
        });
        window.location.assign(done.next || "/portal/");
      } catch (e) {
        say(login.dataset.failed + (e && e.message ? " (" + e.message + ")" : ""));
      }
    });
  }

  // Add a passkey to the signed-in person's account.
  const add = document.getElementById("passkey-add");
  if (add) {
    if (!supported) {
      say(add.dataset.unsupported);
      return;
    }
    document.getElementById("passkey-add-box").hidden = false;
    add.addEventListener("click", async () => {
      const csrf = add.dataset.csrf;
      const name = document.getElementById("passkey-name").value;
      try {
        const opts = await post("/portal/account/passkeys/begin", csrf);
        const pk = opts.publicKey;
        pk.challenge = b64uToBuf(pk.challenge);
        pk.user.id = b64uToBuf(pk.user.id);
        (pk.excludeCredentials || []).forEach((c) => { c.id = b64uToBuf(c.id); });
        const cred = await navigator.credentials.create({ publicKey: pk });
        const r = cred.response;
        const done = await post("/portal/account/passkeys/finish?name=" + encodeURIComponent(name), csrf, {
          id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
          response: {
            clientDataJSON: bufToB64u(r.clientDataJSON), attestationObject: bufToB64u(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : [],
          },
        });
        window.location.assign(done.next);
      } catch (e) {
        say(add.dataset.failed + (e && e.message ? " (" + e.message + ")" : ""));
      }
    });
  }
})();
