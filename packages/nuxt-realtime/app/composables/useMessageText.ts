import esMX, { type MessageKey } from '../i18n/es-MX';
import { errorMessageOf } from '../utils/api-error';
import type { MessageParams } from './useI18n';

/** What a coded text needs: its code and parameters, and the fallback the producer sent beside them. */
export interface CodedText {
  code?: string | null;
  params?: Record<string, string | number> | null;
  fallback: string;
}

/**
 * The dictionary key of a message code under `prefix`, when the portal knows it. Pure. Codes come from
 * events (any producer may send a code the portal does not know yet), so an unknown one gives null and
 * the caller shows the producer's fallback text instead (docs/message-codes.md).
 */
export function messageKeyOf(prefix: 'alert.code' | 'deployments.errorCode', code: string | null | undefined): MessageKey | null {
  if (!code) return null;
  const key = `${prefix}.${code}`;
  return Object.hasOwn(esMX, key) ? (key as MessageKey) : null;
}

/**
 * Texts the service sends as a code plus parameters (alerts, deployment failures), worded in the
 * reader's language; the server's fallback text only for codes this portal does not know.
 */
export function useMessageText() {
  const { t, locale } = useT();

  function word(prefix: 'alert.code' | 'deployments.errorCode', text: CodedText): string {
    const key = messageKeyOf(prefix, text.code);
    if (!key) return text.fallback;
    const params: MessageParams = {};
    for (const [name, value] of Object.entries(text.params ?? {})) {
      params[name] = typeof value === 'number' ? value.toLocaleString(locale.value, { maximumFractionDigits: 1 }) : value;
    }
    // A parameter the producer left out (a step it did not know) reads as a dash, not as `{step}`.
    return t(key, params).replace(/\{\w+\}/g, '—');
  }

  /** An alert's message (AlertView or a live alert folded into one). */
  function alertText(alert: { code?: string | null; params?: Record<string, string | number> | null; message: string }): string {
    return word('alert.code', { code: alert.code, params: alert.params, fallback: alert.message });
  }

  /** A failed deployment's error; null when it has none. */
  function deploymentErrorText(d: { error: string | null; errorCode?: string | null; errorParams?: Record<string, string | number> | null }): string | null {
    if (d.error === null && !d.errorCode) return null;
    return word('deployments.errorCode', { code: d.errorCode, params: d.errorParams, fallback: d.error ?? '' });
  }

  /** What a failed call to the service says to the reader (errorMessageOf), in the reader's language. */
  function errorText(err: unknown): string {
    const { key, params } = errorMessageOf(err);
    return t(key, params);
  }

  return { alertText, deploymentErrorText, errorText };
}
