/**
 * Someone else's portal adopting the layer: `extends` it, registers Nuxt UI (the layer's components use
 * it), and supplies platform tokens through its own provider (app/plugins/platform-identity.ts).
 */
export default defineNuxtConfig({
  extends: ['@neo/nuxt-realtime'],
  modules: ['@nuxt/ui'],
  ssr: false,
  devtools: { enabled: false },
  telemetry: false,
  compatibilityDate: '2025-07-15',
  css: ['~/assets/css/main.css'],

  runtimeConfig: {
    // The host platform's own secret for its user tokens (the event service's AUTH_JWT_SECRET), read by
    // this app's server only. `NUXT_PLATFORM_JWT_SECRET`.
    platformJwtSecret: '',
  },

  // Offline, as the portal (see /work/shared/TOOLCHAIN.md in the project notes): no remote fonts or icons.
  ui: { fonts: false },
  icon: {
    provider: 'server',
    fallbackToApi: false,
    serverBundle: { collections: ['heroicons', 'lucide'] },
    clientBundle: { scan: true },
  },
});
