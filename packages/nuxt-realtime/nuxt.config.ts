/**
 * The @neo/nuxt-realtime layer: one Centrifuge client per tab, the composables that use it and the
 * components that show it. A portal adds it with `extends: ['@neo/nuxt-realtime']`.
 *
 * The layer's components use Nuxt UI (`UBadge`, `UButton`, …): the portal that extends it registers
 * `@nuxt/ui` with its own (offline) settings, so the layer does not register it a second time.
 */
import { fileURLToPath } from 'node:url';

export default defineNuxtConfig({
  // Component names come from the file name alone (`<ConnectionBadge>`, not
  // `<RealtimeConnectionBadge>`): the folders group by domain, they are not a namespace. An absolute
  // path, because `~` in a layer's config resolves against the app that extends it.
  components: [{ path: fileURLToPath(new URL('./app/components', import.meta.url)), pathPrefix: false }],

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
    },
  },
});
