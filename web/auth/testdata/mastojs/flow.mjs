// Drives masto.js against a real Archipel node, as an app would: register,
// sign in through the node's own pages (this script plays the browser with
// plain HTTP requests, forms and cookies), exchange the code with PKCE,
// post, read the home timeline, revoke the token, and see the next call
// fail. Prints one JSON line of what it saw; exits non-zero on failure.
import { createHash, randomBytes } from "node:crypto";
import { createOAuthAPIClient, createRestAPIClient } from "masto";

const base = process.env.ARCHIPEL_URL;
const login = process.env.ARCHIPEL_LOGIN;
const password = process.env.ARCHIPEL_PASSWORD;
const redirectUri = "http://127.0.0.1:9/callback";
const scope = "read write follow";

const jar = new Map();
async function browse(url, init = {}) {
  const headers = new Headers(init.headers || {});
  if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
  const res = await fetch(url, { ...init, headers, redirect: "manual" });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const i = pair.indexOf("=");
    jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
}
function absolute(loc) { return new URL(loc, base).toString(); }
function hiddenInputs(html) {
  const out = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out.append(m[1], m[2].replaceAll("&amp;", "&").replaceAll("&#43;", "+").replaceAll("&#34;", '"').replaceAll("&#39;", "'"));
  }
  return out;
}

const anonymous = createRestAPIClient({ url: base });
const app = await anonymous.v1.apps.create({ clientName: "masto.js test", redirectUris: redirectUri, scopes: scope, website: "https://example.org/app" });

const verifier = randomBytes(32).toString("base64url");
const challenge = createHash("sha256").update(verifier).digest("base64url");
const state = randomBytes(8).toString("hex");
const authorize = `${base}/oauth/authorize?` + new URLSearchParams({ client_id: app.clientId, redirect_uri: redirectUri,
  response_type: "code", scope, state, code_challenge: challenge, code_challenge_method: "S256" });

// Not signed in: the node sends the browser to its sign-in page and back.
let res = await browse(authorize);
if (res.status !== 303) throw new Error(`authorize without a session: ${res.status}`);
const loginURL = absolute(res.headers.get("location"));
const next = new URL(loginURL).searchParams.get("next");
res = await browse(loginURL);
await res.text();
res = await browse(`${base}/login`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ login, password, next }) });
if (res.status !== 303) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
res = await browse(absolute(res.headers.get("location")));
const consent = await res.text();
if (res.status !== 200 || !consent.includes("masto.js test")) throw new Error(`consent page: ${res.status}`);
const form = hiddenInputs(consent);
form.set("answer", "approve");
res = await browse(`${base}/oauth/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
if (res.status !== 303) throw new Error(`consent: ${res.status} ${await res.text()}`);
const back = new URL(res.headers.get("location"));
if (back.origin + back.pathname !== redirectUri || back.searchParams.get("state") !== state) throw new Error(`redirected to ${back}`);
const code = back.searchParams.get("code");

const oauth = createOAuthAPIClient({ url: base });
const token = await oauth.token.create({ grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
  redirectUri, code, codeVerifier: verifier, scope });
const masto = createRestAPIClient({ url: base, accessToken: token.accessToken });
const me = await masto.v1.accounts.verifyCredentials();
const posted = await masto.v1.statuses.create({ status: "Bonjour depuis masto.js" });
const home = await masto.v1.timelines.home.list();
const appSeen = await masto.v1.apps.verifyCredentials();

let replay = "accepted";
try {
  await oauth.token.create({ grantType: "authorization_code", clientId: app.clientId, clientSecret: app.clientSecret,
    redirectUri, code, codeVerifier: verifier, scope });
} catch (e) { replay = String(e.statusCode); }

await oauth.revoke({ clientId: app.clientId, clientSecret: app.clientSecret, token: token.accessToken });
let afterRevoke = "accepted";
try { await masto.v1.accounts.verifyCredentials(); } catch (e) { afterRevoke = String(e.statusCode); }

console.log(JSON.stringify({ username: me.username, posted: posted.id, inHome: home.some((s) => s.id === posted.id),
  tokenScope: token.scope, app: appSeen.name, replay, afterRevoke }));
