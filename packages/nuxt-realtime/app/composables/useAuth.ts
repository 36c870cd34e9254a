import type { LoginResponse, MeResponse, PublicUser } from '@neo/contracts';
import type { NuxtApp } from '#app';
import type { PlatformToken, RealtimeIdentity } from '../utils/token-provider';

/** What the tab knows of the current login. */
export interface AuthSession {
  token: string;
  /** Epoch milliseconds after which the token is no longer worth sending. */
  expiresAt: number;
  /** Epoch milliseconds when the token was received (its renewal is due at two thirds of its life). */
  receivedAt: number;
  user: PublicUser;
}

export interface ApiFetchOptions extends Omit<RequestInit, 'body'> {
  /** Sent as JSON (with the matching content type) unless it is already a string or FormData. */
  body?: unknown;
  /** Send the platform token. Default `true`. */
  auth?: boolean;
}

/** The built-in ways to sign in (`runtimeConfig.public.auth.mode`); a host app's `provideRealtimeIdentity` overrides both. */
export type AuthMode = 'demo' | 'oidc';

const STORAGE_KEY = 'neo-auth';

/**
 * The demo login keeps its token in this tab's localStorage, as before, so that a reload stays signed in
 * without a server session; the OIDC mode keeps nothing in the browser's storage.
 */
function readStoredSession(): AuthSession | null {
  if (!import.meta.client) return null;
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<AuthSession>;
    if (typeof session.token !== 'string' || typeof session.expiresAt !== 'number' || !session.user) return null;
    return session.expiresAt > Date.now() ? { receivedAt: Date.now(), ...(session as Omit<AuthSession, 'receivedAt'>) } : null;
  } catch {
    return null;
  }
}

function writeStoredSession(session: AuthSession | null): void {
  if (!import.meta.client) return;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/** The demo login's provider: the token the login route gave, until it expires (it cannot be renewed). */
const demoIdentity: RealtimeIdentity = {
  getToken: async () => readStoredSession(),
  logout: () => writeStoredSession(null),
};

/**
 * The OIDC backend-for-frontend's provider: the portal's own server holds the session (sealed httpOnly
 * cookie) and hands this tab the access token, renewed with the refresh token on the server.
 */
const oidcIdentity: RealtimeIdentity = {
  getToken: async () => {
    const response = await fetch('/auth/oidc/token', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (response.status === 401) return null;
    if (!response.ok) throw await apiErrorOf(response);
    return (await response.json()) as PlatformToken;
  },
  // A full navigation: the server clears the cookie and sends the browser on to the provider's logout.
  logout: () => window.location.assign('/auth/oidc/logout'),
};

/** The `sub` of a JWT, read without verifying (only to notice that the user changed; the service verifies). */
function subjectOf(token: string): string | null {
  try {
    const payload = token.split('.')[1] ?? '';
    return (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown }).sub as string;
  } catch {
    return null;
  }
}

/** One per app: the renewal in flight and its timer are shared by every `useAuth()` caller. */
interface AuthController {
  inflight: Promise<AuthSession | null> | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** A token the service refused (401): a provider that offers it again has no session for us. */
  refused: string | null;
}
const controllers = new WeakMap<NuxtApp, AuthController>();

/**
 * The platform login of this tab, from whichever token provider is configured: the host app's
 * (`provideRealtimeIdentity`), the OIDC backend-for-frontend (`auth.mode: 'oidc'`) or the demo login
 * (`auth.mode: 'demo'`, the default). The token is renewed before it expires; every API call and the
 * real-time connection get a current one.
 */
export function useAuth() {
  const nuxtApp = useNuxtApp();
  const config = useRuntimeConfig();
  const mode: AuthMode = config.public.auth?.mode === 'oidc' ? 'oidc' : 'demo';
  const identity = (): RealtimeIdentity => providedRealtimeIdentity(nuxtApp) ?? (mode === 'oidc' ? oidcIdentity : demoIdentity);
  const usesDemoStorage = () => !providedRealtimeIdentity(nuxtApp) && mode === 'demo';
  const session = useState<AuthSession | null>('neo-auth', () => (usesDemoStorage() ? readStoredSession() : null));
  let controller = controllers.get(nuxtApp);
  if (!controller) {
    controller = { inflight: null, timer: undefined, refused: null };
    controllers.set(nuxtApp, controller);
  }
  const ctl = controller;

  const token = computed(() => session.value?.token ?? null);
  const user = computed(() => session.value?.user ?? null);
  const isLoggedIn = computed(() => session.value !== null && session.value.expiresAt > Date.now());

  /** `unrenewable`: the provider gave the same token again, so the next renewal is due at its expiry. */
  function setSession(next: AuthSession | null, unrenewable = false): void {
    session.value = next;
    if (usesDemoStorage()) writeStoredSession(next);
    schedule(next, unrenewable);
  }

  function schedule(current: AuthSession | null, unrenewable: boolean): void {
    if (!import.meta.client) return;
    clearTimeout(ctl.timer);
    ctl.timer = undefined;
    if (!current) return;
    // A provider that cannot renew (the demo login) is asked again at the expiry, and then has nothing.
    const due = (unrenewable ? current.expiresAt : current.expiresAt - refreshMarginMs(current.receivedAt, current.expiresAt)) - Date.now();
    ctl.timer = setTimeout(() => void renew().catch(() => {}), Math.max(0, Math.min(due, 2_147_000_000)));
  }

  async function userOf(next: PlatformToken): Promise<PublicUser | null> {
    if (next.user) return next.user;
    const known = session.value?.user;
    if (known && subjectOf(next.token) === known.id) return known;
    const response = await fetch(`${config.public.apiBase}/v1/me`, { headers: { accept: 'application/json', authorization: `Bearer ${next.token}` } });
    if (response.status === 401) return null;
    if (!response.ok) throw await apiErrorOf(response);
    return ((await response.json()) as MeResponse).user;
  }

  /**
   * Asks the provider for a token now (one request at a time). Resolves the new session, or `null` when
   * there is none; rejects on a temporary failure while keeping a still-valid session.
   */
  function renew(): Promise<AuthSession | null> {
    if (ctl.inflight) return ctl.inflight;
    const attempt = (async () => {
      const previous = session.value;
      let next: PlatformToken | null;
      let nextUser: PublicUser | null = null;
      try {
        next = await identity().getToken();
        if (next && next.token !== ctl.refused && next.expiresAt > Date.now()) nextUser = await userOf(next);
      } catch (error) {
        // Temporary: keep what still works and try again in a few seconds.
        if (import.meta.client && previous && previous.expiresAt > Date.now()) {
          clearTimeout(ctl.timer);
          ctl.timer = setTimeout(() => void renew().catch(() => {}), 5_000);
        }
        throw error;
      }
      if (!next || !nextUser) {
        setSession(null);
        return null;
      }
      const sameToken = previous?.token === next.token;
      setSession({ token: next.token, expiresAt: next.expiresAt, receivedAt: sameToken ? previous.receivedAt : Date.now(), user: nextUser }, sameToken);
      return session.value;
    })();
    ctl.inflight = attempt;
    void attempt.finally(() => {
      if (ctl.inflight === attempt) ctl.inflight = null;
    }).catch(() => {});
    return attempt;
  }

  /** Makes sure the tab has a session if the provider has one (first page of a visit); true when signed in. */
  async function restore(): Promise<boolean> {
    if (isLoggedIn.value) return true;
    try {
      return (await renew()) !== null;
    } catch {
      return false;
    }
  }

  /** A current platform token (renewed first when it is due), or `null` when nobody is signed in. */
  async function getToken(): Promise<string | null> {
    const current = session.value;
    if (current && current.expiresAt - Date.now() > refreshMarginMs(current.receivedAt, current.expiresAt)) return current.token;
    try {
      return (await renew())?.token ?? null;
    } catch {
      // The provider is unreachable: a token that has not expired yet still serves.
      return current && current.expiresAt > Date.now() ? current.token : null;
    }
  }

  /**
   * Calls the event service. Throws `ApiError` (carrying the problem document) on a non-2xx answer,
   * and a `TypeError` from `fetch` when the service cannot be reached.
   */
  async function apiFetch<T>(path: string, options: ApiFetchOptions = {}): Promise<T> {
    const { body, auth = true, headers: extraHeaders, ...init } = options;
    const headers = new Headers(extraHeaders);
    headers.set('accept', 'application/json');
    let payload: BodyInit | undefined;
    if (typeof body === 'string' || body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers.set('content-type', 'application/json');
    }
    const sentToken = auth ? await getToken() : null;
    if (sentToken) headers.set('authorization', `Bearer ${sentToken}`);

    const response = await fetch(`${config.public.apiBase}${path}`, { ...init, headers, body: payload });
    if (!response.ok) {
      // The service no longer accepts our token (expired, revoked): the session is dead, and pages
      // watching `isLoggedIn` send the user back to the login.
      if (response.status === 401 && sentToken && sentToken === token.value) {
        ctl.refused = sentToken;
        setSession(null);
      }
      throw await apiErrorOf(response);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** The demo login (`auth.mode: 'demo'`, the event service with `DEMO_LOGIN=on`). */
  async function login(email: string, password: string): Promise<PublicUser> {
    if (!usesDemoStorage()) throw new Error('the demo login is off: this portal signs in through its identity provider');
    const answer = await apiFetch<LoginResponse>('/v1/auth/login', {
      method: 'POST',
      body: { email, password },
      auth: false,
    });
    ctl.refused = null;
    const now = Date.now();
    setSession({ token: answer.token, expiresAt: now + answer.expiresIn * 1000, receivedAt: now, user: answer.user });
    return answer.user;
  }

  /**
   * Forgets the session here (the real-time plugin watches it and closes the connection), then lets the
   * provider end its own (OIDC: a navigation to the server-side logout).
   */
  function logout(): void {
    setSession(null);
    void Promise.resolve(identity().logout?.()).catch(() => {});
  }

  /** Where a visitor without a session signs in. */
  const loginPath = computed(() => identity().loginPath ?? '/login');

  return { mode, user, token, isLoggedIn, loginPath, login, logout, restore, getToken, apiFetch };
}
