import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BastionError } from '../errors/bastion-error.js';

export type Role = 'admin' | 'user';
/** What a route needs: `public` (never a key), `read` (a key only with BASTION_PROTECT_HEALTH), `user`, `admin`. */
export type Access = 'public' | 'read' | 'user' | 'admin';

export interface AuthConfig {
  adminKey: string | null;
  userKey: string | null;
  /** Keys stored only as their sha256, from a keys file. */
  hashedKeys: Array<{ role: Role; sha256: string }>;
  protectHealth: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function keyOf(headers: FastifyRequest['headers']): string | null {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x) return x;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) return m[1];
  }
  return null;
}

/**
 * Who is calling, as far as keys tell: the sha256 of the presented key (hex), or null without one. Used to bind
 * an MCP session to the key that opened it; the key itself is never stored.
 */
export function keyFingerprint(headers: FastifyRequest['headers']): string | null {
  const key = keyOf(headers);
  return key === null ? null : digest(key).toString('hex');
}

/**
 * The key id of the access and admin logs: the first 12 hex digits of the key's sha256 (the same digits begin
 * its entry in a keys file), or null without a key. Never the key itself.
 */
export function keyId(headers: FastifyRequest['headers']): string | null {
  return keyFingerprint(headers)?.slice(0, 12) ?? null;
}

/** Resolves the caller's role from `X-API-Key` or `Authorization: Bearer`; compares in constant time. */
export function createAuth(config: AuthConfig) {
  const keys: Array<{ role: Role; hash: Buffer }> = [];
  if (config.adminKey) keys.push({ role: 'admin', hash: digest(config.adminKey) });
  if (config.userKey) keys.push({ role: 'user', hash: digest(config.userKey) });
  for (const k of config.hashedKeys) keys.push({ role: k.role, hash: Buffer.from(k.sha256, 'hex') });
  const open = keys.length === 0;

  function roleOf(headers: FastifyRequest['headers']): Role | null {
    if (open) return 'admin'; // no keys: loopback-only server, everyone is the operator
    const key = keyOf(headers);
    if (!key) return null;
    const h = digest(key);
    let role: Role | null = null;
    for (const k of keys) if (timingSafeEqual(k.hash, h)) role = role === 'admin' ? role : k.role;
    return role;
  }

  /** Throws UNAUTHORIZED or FORBIDDEN when the caller may not use a route of this access level. */
  function check(access: Access, headers: FastifyRequest['headers']): Role | null {
    if (access === 'public' || (access === 'read' && !config.protectHealth)) return roleOf(headers);
    const role = roleOf(headers);
    if (!role) {
      throw new BastionError(
        'UNAUTHORIZED',
        keyOf(headers) ? 'unknown API key' : 'an API key is required (X-API-Key or Authorization: Bearer)',
      );
    }
    if (access === 'admin' && role !== 'admin') throw new BastionError('FORBIDDEN', 'this needs the admin key');
    return role;
  }

  return { check, roleOf, open };
}

export type Auth = ReturnType<typeof createAuth>;
