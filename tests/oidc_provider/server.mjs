// A real OpenID Provider (the certified `oidc-provider` package) for the
// portal's sign-in tests. Started by tests/sso/conftest.py on 127.0.0.1:
//
//   node server.mjs <port> <config.json>
//
// config.json: {"issuer": ..., "clients": [{client_id, client_secret,
// redirect_uris, post_logout_redirect_uris}]}. People are set by the tests
// while it runs, through POST /test/people/<sub> with a JSON body of claims
// (a person with no such call cannot sign in). Its own login page asks for
// the person's sub and the password "directory"; nothing is loaded from
// elsewhere, so the browser tests see no console errors of the provider's.
// It prints "ready" on stdout once it listens.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const people = new Map();
const PASSWORD = 'directory';
const CLAIMS = ['employee_id', 'department', 'roles', 'manages', 'groups'];

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    ...client,
  })),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', ...CLAIMS],
  },
  // The claims of the scopes go into the ID token, as Entra ID does with its
  // optional claims and roles: the portal reads the ID token only.
  conformIdTokenClaims: false,
  cookies: { keys: ['test-only-cookie-key'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the directory?', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out of the directory', '');
      },
    },
  },
  findAccount: async (_ctx, sub) => {
    if (!people.has(sub)) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...people.get(sub) }) };
  },
  // First-party client: no consent screen; every requested scope is granted.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Directory error', `<p id="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});
// No TLS on 127.0.0.1 in tests.
provider.proxy = false;

const readBody = (req) => new Promise((resolve, reject) => {
  let data = '';
  req.on('data', (chunk) => { data += chunk; });
  req.on('end', () => resolve(data));
  req.on('error', reject);
});

const loginForm = (uid, message = '') => page('Directory sign-in', `
${message ? `<p id="error">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">User</label><input id="login" name="login" autocomplete="off">
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="submit">Sign in to the directory</button>
</form>`);

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (action === '' && req.method === 'GET') {
    if (details.prompt.name === 'login') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(loginForm(uid));
      return;
    }
    // consent: granted by loadExistingGrant; nothing to ask.
    await provider.interactionFinished(req, res, { consent: {} }, { mergeWithLastSubmission: true });
    return;
  }
  if (action === 'login' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const sub = form.get('login') || '';
    if (form.get('password') !== PASSWORD || !people.has(sub)) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(loginForm(uid, 'Unknown user or wrong password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    return;
  }
  res.statusCode = 405;
  res.end();
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, config.issuer);
    if (url.pathname === '/favicon.ico') {
      res.statusCode = 204;
      res.end();
      return;
    }
    const person = url.pathname.match(/^\/test\/people\/([^/]+)$/);
    if (person && req.method === 'POST') {
      people.set(decodeURIComponent(person[1]), JSON.parse(await readBody(req)));
      res.end('ok');
      return;
    }
    const step = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (step) {
      await interaction(req, res, step[1], step[2] || '');
      return;
    }
    callback(req, res);
  } catch (error) {
    res.statusCode = 500;
    res.end(page('Directory error', `<p id="error">${escape(error.message)}</p>`));
  }
});
server.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
