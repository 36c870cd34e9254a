import { PRESENCE_DEVICE_TTL_MS, type PresenceStatus } from '@neo/contracts';

/** What a user chooses; `away` is detected, `offline` is what the service sees when they are gone. */
export type ChosenStatus = 'online' | 'busy';

/** Longest page name the service accepts. */
const MAX_PAGE_LENGTH = 200;
/** A tab that has not written its heartbeat for this many beats is gone (closed, crashed). */
const STALE_BEATS = 3;
/** The default idle timeout: no input for 5 minutes. */
const DEFAULT_IDLE_MS = 5 * 60_000;
/** A device re-sends its state this often, so that the service keeps counting it (PRESENCE_DEVICE_TTL_MS / 2 at most). */
const DEVICE_REPORT_MS = Math.floor(PRESENCE_DEVICE_TTL_MS / 2.5);
const DEVICE_KEY = 'neo-device-id';

/**
 * This browser profile's id for the service (tabs share it, devices differ): kept in localStorage so it
 * survives reloads and logins. Not a secret and not personal: only one person's devices are told apart by it.
 */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    id = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

interface TabActivity {
  /** Last input in this tab (ms); 0 while the tab is hidden. */
  input: number;
  /** Last heartbeat (ms). */
  beat: number;
}

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The idle timeout in ms: `localStorage['neo-idle-ms']` (tests shorten it per browser context), else
 * the runtime config `idleMs` (`NUXT_PUBLIC_IDLE_MS`), else 5 minutes.
 */
export function idleTimeoutMs(configured: unknown): number {
  const local = Number(import.meta.client ? localStorage.getItem('neo-idle-ms') : NaN);
  if (Number.isFinite(local) && local > 0) return local;
  const fromConfig = Number(configured);
  return Number.isFinite(fromConfig) && fromConfig > 0 ? fromConfig : DEFAULT_IDLE_MS;
}

/**
 * This user's own presence, reported to the service (`PUT /v1/tenants/{t}/presence/me`): the status they
 * chose (online or busy), `away` when no tab of theirs has had input for the idle timeout or all are
 * hidden, and the page they are on. One status per person across tabs and devices (the choice and each tab's
 * activity are shared through localStorage, so every tab computes the same status; the service merges devices).
 */
export function useMyPresence(tenantId: MaybeRefOrGetter<string>) {
  const config = useRuntimeConfig();
  const router = useRouter();
  const realtime = useRealtimeClient();
  const { user, apiFetch } = useAuth();
  const { errorText } = useMessageText();
  const idleMs = idleTimeoutMs(config.public.idleMs);
  const beatMs = Math.max(250, Math.min(5_000, Math.floor(idleMs / 4)));
  const tabId = Math.random().toString(36).slice(2);

  const keyOf = (what: string) => `neo-presence:${user.value?.id ?? ''}:${what}`;
  const chosen = ref<ChosenStatus>('online');
  const away = ref(false);
  const status = computed<Exclude<PresenceStatus, 'offline'>>(() => (away.value ? 'away' : chosen.value));
  const error = ref<string | null>(null);
  let lastSent = '';
  let lastInput = Date.now();
  /** A status the user picked here, sent once with `choice` so that it holds on all their devices. */
  let pendingChoice: ChosenStatus | null = null;
  const device = import.meta.client ? deviceId() : '';

  function writeActivity(now = Date.now()): void {
    const tabs = readJson<Record<string, TabActivity>>(keyOf('tabs'), {});
    for (const [id, tab] of Object.entries(tabs)) if (now - tab.beat > STALE_BEATS * beatMs) delete tabs[id];
    tabs[tabId] = { input: document.hidden ? 0 : lastInput, beat: now };
    localStorage.setItem(keyOf('tabs'), JSON.stringify(tabs));
  }

  /** Away when no live tab (this one included) is visible with input within the idle timeout. */
  function evaluate(now = Date.now()): void {
    const tabs = readJson<Record<string, TabActivity>>(keyOf('tabs'), {});
    tabs[tabId] = { input: document.hidden ? 0 : lastInput, beat: now };
    const active = Object.values(tabs).some((tab) => now - tab.beat <= STALE_BEATS * beatMs && tab.input > 0 && now - tab.input < idleMs);
    away.value = !active;
  }

  async function send(force = false): Promise<void> {
    const id = toValue(tenantId);
    if (!id) return;
    const choice = pendingChoice;
    const body = { status: status.value, currentPage: router.currentRoute.value.path.slice(0, MAX_PAGE_LENGTH), deviceId: device, ...(choice ? { choice } : {}) };
    const key = JSON.stringify(body);
    if (!force && key === lastSent) return;
    lastSent = key;
    try {
      await apiFetch(`/v1/tenants/${encodeURIComponent(id)}/presence/me`, { method: 'PUT', body });
      if (pendingChoice === choice) pendingChoice = null;
      error.value = null;
    } catch (err) {
      lastSent = '';
      error.value = errorText(err);
    }
  }

  /** Sets the chosen status for every tab of this user. */
  function choose(next: ChosenStatus): void {
    pendingChoice = next;
    chosen.value = next;
    localStorage.setItem(keyOf('chosen'), next);
    lastInput = Date.now();
    writeActivity();
    evaluate();
    void send();
  }

  /** The status the service holds for this person (chosen on another device): shown here, not sent back as a choice. */
  function adopt(next: ChosenStatus): void {
    if (chosen.value === next || pendingChoice !== null) return;
    chosen.value = next;
    localStorage.setItem(keyOf('chosen'), next);
  }

  if (import.meta.client) {
    const stored = localStorage.getItem(keyOf('chosen'));
    if (stored === 'online' || stored === 'busy') chosen.value = stored;

    let lastWrite = 0;
    const onInput = () => {
      lastInput = Date.now();
      // Throttled: pointer moves fire many times a second; once a second is plenty for minutes of idleness.
      if (lastInput - lastWrite < 1_000 && !away.value) return;
      lastWrite = lastInput;
      writeActivity();
      evaluate();
    };
    const onVisibility = () => {
      if (!document.hidden) lastInput = Date.now();
      writeActivity();
      evaluate();
    };
    const onStorage = (e: StorageEvent) => {
      if (e.key === keyOf('chosen') && (e.newValue === 'online' || e.newValue === 'busy')) chosen.value = e.newValue;
      else if (e.key === keyOf('tabs')) evaluate();
    };
    const inputs = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;
    for (const name of inputs) window.addEventListener(name, onInput, { passive: true, capture: true });
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('storage', onStorage);
    const timer = setInterval(() => {
      writeActivity();
      evaluate();
    }, beatMs);
    // The service forgets a device that stops reporting; an unchanged state is re-sent before it would.
    const reportTimer = setInterval(() => void send(true), DEVICE_REPORT_MS);
    writeActivity();
    evaluate();

    const stopWatch = watch([status, () => router.currentRoute.value.path], () => void send(), { immediate: true });
    // After a reconnect the service may have marked us offline: tell it again where we are.
    const stopConnection = watch(realtime.state, (state, previous) => {
      if (state === 'connected' && previous !== 'connected') void send(true);
    });

    onScopeDispose(() => {
      for (const name of inputs) window.removeEventListener(name, onInput, { capture: true });
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('storage', onStorage);
      clearInterval(timer);
      clearInterval(reportTimer);
      stopWatch();
      stopConnection();
      const tabs = readJson<Record<string, TabActivity>>(keyOf('tabs'), {});
      delete tabs[tabId];
      localStorage.setItem(keyOf('tabs'), JSON.stringify(tabs));
    });
  }

  return { status, chosen, away, error, choose, adopt, idleMs };
}
