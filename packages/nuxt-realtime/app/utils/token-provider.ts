import type { PublicUser } from '@neo/contracts';
import type { NuxtApp } from '#app';

/** A platform token and when it stops being worth sending. */
export interface PlatformToken {
  /** The platform JWT the event service verifies (`Authorization: Bearer …`). */
  token: string;
  /** Epoch milliseconds after which the token is expired. */
  expiresAt: number;
  /** Who the token is for, when the provider knows; otherwise the layer asks `GET /v1/me` once. */
  user?: PublicUser;
}

/**
 * Supplies platform tokens. Called on the first need and again before the current token expires (when
 * a third of its life, at most one minute, is left). Resolves `null` when nobody is signed in; a
 * rejection is a temporary failure (tried again, the session is kept until its token expires).
 */
export type TokenProvider = () => Promise<PlatformToken | null>;

/** How the host app signs users in and out. Only `getToken` is required. */
export interface RealtimeIdentity {
  getToken: TokenProvider;
  /**
   * Ends the session (e.g. a server-side logout). The layer has already forgotten the token. Default:
   * nothing more.
   */
  logout?: () => void | Promise<void>;
  /** Where the `auth` middleware sends a visitor without a session. Default `/login`. */
  loginPath?: string;
}

const identities = new WeakMap<NuxtApp, RealtimeIdentity>();

/**
 * Hands the layer the host app's identity: call it in a plugin of the host app
 * (`defineNuxtPlugin(() => provideRealtimeIdentity({ getToken: … }))`). It replaces the built-in modes
 * (`runtimeConfig.public.auth.mode`: `demo` or `oidc`).
 */
export function provideRealtimeIdentity(identity: RealtimeIdentity, nuxtApp: NuxtApp = useNuxtApp()): void {
  identities.set(nuxtApp, identity);
}

/** The identity the host app provided, if any. */
export function providedRealtimeIdentity(nuxtApp: NuxtApp): RealtimeIdentity | undefined {
  return identities.get(nuxtApp);
}

/** Seconds before expiry at which a token is renewed: a third of its lifetime, at most a minute. */
export function refreshMarginMs(receivedAt: number, expiresAt: number): number {
  return Math.min(60_000, Math.max(0, expiresAt - receivedAt) / 3);
}
