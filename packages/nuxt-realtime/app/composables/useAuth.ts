import type { LoginResponse, PublicUser } from '@neo/contracts';

/** What the browser keeps of a login. The platform token never leaves this tab's storage. */
export interface AuthSession {
  token: string;
  /** Epoch milliseconds after which the token is no longer worth sending. */
  expiresAt: number;
  user: PublicUser;
}

export interface ApiFetchOptions extends Omit<RequestInit, 'body'> {
  /** Sent as JSON (with the matching content type) unless it is already a string or FormData. */
  body?: unknown;
  /** Send the platform token. Default `true`. */
  auth?: boolean;
}

const STORAGE_KEY = 'neo-auth';

function readStoredSession(): AuthSession | null {
  if (!import.meta.client) return null;
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<AuthSession>;
    if (typeof session.token !== 'string' || typeof session.expiresAt !== 'number' || !session.user) return null;
    return session.expiresAt > Date.now() ? (session as AuthSession) : null;
  } catch {
    return null;
  }
}

function writeStoredSession(session: AuthSession | null): void {
  if (!import.meta.client) return;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

/**
 * The platform login of this tab. The session lives in localStorage rather than a cookie: the portal
 * is an SPA, so no server ever needs it, and a cookie would be sent along with every page request.
 */
export function useAuth() {
  const config = useRuntimeConfig();
  const session = useState<AuthSession | null>('neo-auth', readStoredSession);

  const token = computed(() => session.value?.token ?? null);
  const user = computed(() => session.value?.user ?? null);
  const isLoggedIn = computed(() => session.value !== null && session.value.expiresAt > Date.now());

  function setSession(next: AuthSession | null): void {
    session.value = next;
    writeStoredSession(next);
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
    const sentToken = auth ? token.value : null;
    if (sentToken) headers.set('authorization', `Bearer ${sentToken}`);

    const response = await fetch(`${config.public.apiBase}${path}`, { ...init, headers, body: payload });
    if (!response.ok) {
      // The service no longer accepts our token (expired, revoked secret): the session is dead, and
      // pages watching `isLoggedIn` send the user back to the login.
      if (response.status === 401 && sentToken && sentToken === token.value) setSession(null);
      throw await apiErrorOf(response);
    }
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async function login(email: string, password: string): Promise<PublicUser> {
    const answer = await apiFetch<LoginResponse>('/v1/auth/login', {
      method: 'POST',
      body: { email, password },
      auth: false,
    });
    setSession({ token: answer.token, expiresAt: Date.now() + answer.expiresIn * 1000, user: answer.user });
    return answer.user;
  }

  /** Forgets the session; the real-time plugin watches it and closes the connection. */
  function logout(): void {
    setSession(null);
  }

  return { user, token, isLoggedIn, login, logout, apiFetch };
}
