import { createHmac } from 'node:crypto';

const b64url = (input: string | Buffer) => Buffer.from(input).toString('base64url');
const HS256_HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/**
 * Signs an HS256 JWT. Done by hand with node:crypto rather than jose because token routes are a hot
 * path (a connect storm asks for four tokens per client) and this is synchronous and allocation-light.
 */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const body = `${HS256_HEADER}.${b64url(JSON.stringify(claims))}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
