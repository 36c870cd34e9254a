// Before any schema is built: configures zod for the browser (see the file).
import './zod-setup';
import { z } from 'zod';
import { storableText } from './fields';

/*
 * Texts that reach a person travel as a code plus parameters; the portal words them in the reader's
 * language (es-MX by default, English available). The `message`/`error` text beside them is a fallback
 * for API consumers and older producers, in English, never shown by the portal when a code it knows is
 * present. Codes are stable: a portal keys its translations on them. docs/message-codes.md lists them.
 */

/** A message code: lower-case words joined by `_` or `.`, e.g. `instance_cpu_high`. */
export const messageCodeSchema = z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'lower-case letters, digits, "_" or ".", at most 64');

/** The values a message is worded with: at most 10, numbers or short texts. */
export const messageParamsSchema = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/, 'a parameter name'), z.union([z.number().finite(), storableText(200)]))
  .refine((p) => Object.keys(p).length <= 10, 'at most 10 parameters');

export type MessageParams = z.infer<typeof messageParamsSchema>;

/**
 * Codes of the alerts the service raises itself (`rule` of its threshold rules), with the parameters each
 * carries: `value` and `threshold` in percent. Producers of their own alerts may send other codes.
 */
export const ALERT_MESSAGE_CODES = ['cpu_high', 'memory_high', 'disk_high', 'instance_cpu_high', 'instance_memory_high', 'instance_disk_high'] as const;
export type AlertMessageCode = (typeof ALERT_MESSAGE_CODES)[number];

/**
 * Codes of deployment failures the stack deployer reports (`deployment_error.data.code`); `step` (the
 * step's name) is their usual parameter. A deployer may send codes not listed here: the portal then shows
 * the fallback `error`.
 */
export const DEPLOYMENT_ERROR_CODES = ['image_signature_invalid', 'database_timeout', 'insufficient_memory', 'deployer_stopped'] as const;
export type DeploymentErrorCode = (typeof DEPLOYMENT_ERROR_CODES)[number];
