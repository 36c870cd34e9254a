import type { ConnectionState, RealtimeClient } from '../plugins/centrifuge.client';

// Stands in for the client-only plugin during server rendering (a portal with `ssr: true`):
// nothing connects there, and the state is honestly "disconnected".
const SERVER_CLIENT: RealtimeClient = {
  state: shallowReadonly(shallowRef<ConnectionState>('disconnected')),
  connect: () => {},
  acquire: () => {
    throw new Error('real-time subscriptions exist only in the browser');
  },
  release: () => {},
};

/** The tab's real-time client from the `centrifuge.client` plugin (or the inert server stand-in). */
export function useRealtimeClient(): RealtimeClient {
  if (import.meta.server) return SERVER_CLIENT;
  return useNuxtApp().$realtime;
}

/**
 * The state of the tab's one connection. Using it connects (when logged in); logging out closes the
 * connection, which the plugin does by watching the session.
 */
export function useRealtimeConnection() {
  const realtime = useRealtimeClient();
  realtime.connect();
  const isConnected = computed(() => realtime.state.value === 'connected');
  return { state: realtime.state, isConnected, connect: realtime.connect };
}
