/**
 * The tenant and admin portal. Real-time parts (client plugin, composables, components, i18n) come
 * from the @neo/nuxt-realtime layer; this app holds pages and the UI toolkit's settings.
 */
export default defineNuxtConfig({
  extends: ['@neo/nuxt-realtime'],
  modules: ['@nuxt/ui'],

  // An SPA: the platform token lives in the browser, so a server render could show nothing private.
  ssr: false,

  devtools: { enabled: false },
  telemetry: false,
  compatibilityDate: '2025-07-15',

  css: ['~/assets/css/main.css'],

  experimental: {
    // A link's page is fetched when the user points at or focuses the link, not as soon as it is on
    // screen: the header links to every page, and fetching them all on each cold load more than doubled
    // what /deployments downloads (benchmark B5: the events page alone brought the history search's
    // select, popper and form field, ~35 KB gzipped).
    defaults: { nuxtLink: { prefetchOn: { visibility: false, interaction: true } } },
    // The shell's payload is only `{ serverRendered: false, config }` (an SPA renders no data on the
    // server and prerenders nothing), so there is nothing for devalue's reviver to bring back: as a plain
    // `window.__NUXT__` script, the client reads it without devalue's parser and the revive plugin
    // (benchmark B5: 1.8 KB gzipped). The CSP hashes that script like the config script before it.
    renderJsonPayloads: false,
  },

  vite: {
    // Every component of the portal, the layer, Nuxt UI, reka-ui, @nuxt/icon and Nuxt itself is written
    // with `setup` (none has `data()`, `methods`, `computed:`, option hooks or mixins), so Vue's Options
    // API support is dead code in every page (benchmark B5: 1.5 KB gzipped). A host app that extends the
    // layer with Options-API components turns it back on in its own config.
    vue: { features: { optionsAPI: false } },
  },

  app: {
    head: {
      title: 'NEO_STACK Realtime',
      // The shell's language before any script runs; the layer's locale plugin takes over from there.
      htmlAttrs: { lang: 'es-MX' },
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },

  // Fully offline (see TOOLCHAIN.md): without `fonts: false` the build tries remote font providers
  // and hangs behind a firewall; icons are served from the installed collections, never the API.
  ui: { fonts: false },
  icon: {
    provider: 'server',
    fallbackToApi: false,
    serverBundle: { collections: ['heroicons', 'lucide'] },
    clientBundle: { scan: true },
    // Nuxt UI's <UIcon> renders <Icon>: that name is app/components/Icon.vue, which draws the bundled
    // icons without the Iconify client and loads this component (with the plugin removed below) only
    // for the others.
    componentName: 'NuxtIconRuntime',
  },

  hooks: {
    // @nuxt/icon's plugin imports the Iconify client on every page; app/components/Icon.vue runs it
    // when an icon outside the client bundle first needs it.
    'app:resolve'(app) {
      app.plugins = app.plugins.filter((plugin) => !/[\\/]@nuxt[\\/]icon[\\/]dist[\\/]runtime[\\/]plugin/.test(plugin.src));
    },
  },
});
