// The local identity provider of `npm start -- --oidc` and the OIDC end-to-end tests: demo users behind a
// real OpenID Connect provider. Development only; a real deployment points the portal at its own provider.
import { createDemoIdp } from './idp';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`demo-idp: ${name} is required\n`);
    process.exit(78);
  }
  return value;
}

const list = (name: string) => required(name).split(',').map((s) => s.trim()).filter(Boolean);
const seconds = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`demo-idp: ${name} must be a whole number of seconds, got "${raw}"\n`);
    process.exit(78);
  }
  return n;
};

const issuer = required('IDP_ISSUER');
const { server } = createDemoIdp({
  issuer,
  audience: required('IDP_AUDIENCE'),
  client: {
    id: required('IDP_CLIENT_ID'),
    secret: required('IDP_CLIENT_SECRET'),
    redirectUris: list('IDP_REDIRECT_URIS'),
    postLogoutRedirectUris: list('IDP_POST_LOGOUT_REDIRECT_URIS'),
  },
  accessTokenTtl: seconds('IDP_ACCESS_TOKEN_TTL', 300),
  refreshTokenTtl: seconds('IDP_REFRESH_TOKEN_TTL', 28_800),
});
const url = new URL(issuer);
server.listen(Number(url.port || 80), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`demo-idp: listening at ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
