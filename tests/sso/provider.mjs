// A real OpenID Connect provider for the single sign-on tests (panva's oidc-provider), standing
// in for an agency's Entra ID or Okta. Started by tests/sso/conftest.py; never part of the app.
// Its sign-in page asks who signs in and whether they passed a second factor (the id token's
// "amr" then says "mfa", as Entra ID's does); people it no longer vouches for are refused.
//   node provider.mjs PORT CONFIG_JSON
// CONFIG_JSON: {"client_id", "client_secret", "redirect_uri",
//               "people": {"<login>": {"email", "email_verified", "name"}}, "refused": [<login>]}
import http from "node:http";
import { URLSearchParams } from "node:url";
import Provider from "oidc-provider";

const port = Number(process.argv[2]);
const config = JSON.parse(process.argv[3]);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: [config.redirect_uri],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  claims: { openid: ["sub", "amr"], email: ["email", "email_verified", "xms_edov"],
            profile: ["name"] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => false },
  ttl: { IdToken: Number(config.id_token_ttl || 3600) },
  async findAccount(ctx, id) {
    const person = config.people[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
});
provider.proxy = false;

function page(res, status, body) {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><head><title>Agency sign-in</title></head><body><main>${body}</main></body></html>`);
}

function form(uid, error) {
  return `<h1>Agency sign-in</h1>${error ? `<p role="alert">${error}</p>` : ""}
<form method="post" action="/interaction/${uid}">
<label for="login">Agency account</label><input id="login" name="login">
<label><input type="checkbox" name="mfa" value="1"> I confirmed with my second factor</label>
<button type="submit">Sign in at the agency</button></form>`;
}

async function interaction(req, res) {
  const uid = req.url.split("/")[2];
  const details = await provider.interactionDetails(req, res);
  if (req.method === "GET") return page(res, 200, form(uid));
  let body = "";
  for await (const chunk of req) body += chunk;
  const fields = new URLSearchParams(body);
  const login = fields.get("login") || "";
  if (!config.people[login] || (config.refused || []).includes(login)) {
    return page(res, 200, form(uid, "This agency account cannot sign in."));
  }
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const amr = fields.get("mfa") ? ["pwd", "mfa"] : ["pwd"];
  await provider.interactionFinished(req, res, {
    login: { accountId: login, amr },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
http.createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((error) => page(res, 500, String(error)));
  } else {
    callback(req, res);
  }
}).listen(port, "127.0.0.1", () => console.log(`ready ${issuer}`));
