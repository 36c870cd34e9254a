import type { Identity } from './policy';

/** A position in a Centrifugo channel stream: `offset` within `epoch`. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface PublicUser {
  id: string;
  name: string;
  email: string;
  tenantId: string | null;
  roles: string[];
  permissions: string[];
}

export interface LoginResponse {
  token: string;
  /** Seconds until the platform token expires. */
  expiresIn: number;
  user: PublicUser;
}

export interface TokenResponse {
  token: string;
  /** Seconds until this token expires. */
  expiresIn: number;
}

export interface AcceptedEvent {
  id: string;
  channel: string;
}

export interface IngestResponse {
  accepted: AcceptedEvent[];
}

export interface MeResponse {
  user: PublicUser;
  /** Channels the caller may subscribe to right now. */
  channels: string[];
}

export function publicUserOf(identity: Identity, email = ''): PublicUser {
  return {
    id: identity.sub,
    name: identity.name,
    email,
    tenantId: identity.tenantId,
    roles: [...identity.roles],
    permissions: [...identity.permissions],
  };
}
