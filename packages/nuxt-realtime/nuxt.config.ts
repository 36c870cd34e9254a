/**
 * The @neo/nuxt-realtime layer: one Centrifuge client per tab, the composables that use it and the
 * components that show it. A portal adds it with `extends: ['@neo/nuxt-realtime']`.
 *
 * The layer's components use Nuxt UI (`UBadge`, `UButton`, …): the portal that extends it registers
 * `@nuxt/ui` with its own (offline) settings, so the layer does not register it a second time.
 */
import { fileURLToPath } from 'node:url';

export default defineNuxtConfig({
  // Every layer component is `Neo` + its file name (`<NeoConnectionBadge>`, `<LazyNeoDeployModal>`): the
  // prefix keeps them apart from the host app's own components and from Nuxt UI's `U…`, and says in a
  // template where a component comes from. The folders group by domain, they are not part of the name
  // (`pathPrefix: false`). The prefix is fixed, not an option: templates inside the layer call each
  // other by it. An absolute path, because `~` in a layer's config resolves against the app that
  // extends it.
  components: [{ path: fileURLToPath(new URL('./app/components', import.meta.url)), prefix: 'Neo', pathPrefix: false }],

  runtimeConfig: {
    public: {
      // Read again at run time from NUXT_PUBLIC_API_BASE / NUXT_PUBLIC_CENTRIFUGO_WS, so one build
      // serves every environment.
      /** Base URL of the event service, without a trailing slash. Default `http://localhost:4000`. */
      apiBase: 'http://localhost:4000',
      /** Centrifugo's WebSocket endpoint. Default `ws://localhost:8000/connection/websocket`. */
      centrifugoWs: 'ws://localhost:8000/connection/websocket',
      /** No input for this long (ms) makes a user `away`. Default 300000 (5 min); `NUXT_PUBLIC_IDLE_MS`. */
      idleMs: 300_000,
      auth: {
        /**
         * How users sign in: `demo` (the event service's demo login; default) or `oidc` (the portal's server
         * runs an OpenID Connect login, see `oidc` below). `NUXT_PUBLIC_AUTH_MODE`. A host app that calls
         * `provideRealtimeIdentity()` in a plugin supplies its own tokens instead.
         */
        mode: 'demo' as 'demo' | 'oidc',
      },
    },
    /**
     * The OIDC backend-for-frontend (server only; env `NUXT_OIDC_*`), used with `auth.mode: 'oidc'`.
     * Authorization code + PKCE with `openid-client`; the tokens live in a sealed httpOnly cookie.
     */
    oidc: {
      /** The provider's issuer URL (discovery at `/.well-known/openid-configuration`). `NUXT_OIDC_ISSUER`. */
      issuer: '',
      /** `NUXT_OIDC_CLIENT_ID`. */
      clientId: '',
      /** Confidential client secret (client_secret_basic); empty for a public client. `NUXT_OIDC_CLIENT_SECRET`. */
      clientSecret: '',
      /** Requested scopes. Default `openid profile`. `NUXT_OIDC_SCOPE`. */
      scope: 'openid profile',
      /** Resource indicator (RFC 8707) of the event service = its `AUTH_AUDIENCE`; empty to send none. `NUXT_OIDC_RESOURCE`. */
      resource: '',
      /** Registered redirect URI; default `<request origin>/auth/oidc/callback`. `NUXT_OIDC_REDIRECT_URI`. */
      redirectUri: '',
      /** Where the provider sends the browser after logout; default `<request origin>/login`. `NUXT_OIDC_POST_LOGOUT_REDIRECT_URI`. */
      postLogoutRedirectUri: '',
      /** ≥ 32 random characters that seal the session cookie. Required. `NUXT_OIDC_SESSION_SECRET`. */
      sessionSecret: '',
      /** Longest session, seconds. Default 28800 (8 h). `NUXT_OIDC_SESSION_MAX_AGE`. */
      sessionMaxAge: 28_800,
      /** `Secure` cookies. Default true; `false` only for http://localhost in development. `NUXT_OIDC_COOKIE_SECURE`. */
      cookieSecure: true,
      /** Allow an http:// issuer (a local provider in development). Default false. `NUXT_OIDC_ALLOW_HTTP`. */
      allowHttp: false,
    },
  },
});
