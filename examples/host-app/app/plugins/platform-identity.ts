/**
 * The host app's token provider: its own server hands out the platform token (server/api/platform-token),
 * so the layer needs neither the demo login nor the OIDC mode. The layer calls `getToken` when it needs a
 * token and again before the current one expires.
 */
export default defineNuxtPlugin(() => {
  provideRealtimeIdentity({
    getToken: async () => {
      const response = await fetch('/api/platform-token', { credentials: 'same-origin' });
      if (response.status === 401) return null;
      if (!response.ok) throw new Error(`platform token: HTTP ${response.status}`);
      return (await response.json()) as { token: string; expiresAt: number };
    },
  });
});
