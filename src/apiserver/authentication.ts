/**
 * [REQ-05] Bearer-token authentication of the API server: the server's own token is the administrator
 * (`system:admin` in `system:masters`, which the authorizer allows everything, as kube-apiserver's privileged
 * group), further tokens map to users and groups, given as options or in kube-apiserver's static token file
 * format (`token,user,uid,"group1,group2"`). Every authenticated user is also in `system:authenticated`;
 * service-account users (`system:serviceaccount:<ns>:<name>`) get their `system:serviceaccounts` groups.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../errors/config-error.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface TokenUser {
  token: string;
  name: string;
  groups?: string[];
}

export const ADMIN_USER = 'system:admin';
export const MASTERS_GROUP = 'system:masters';
const AUTHENTICATED = 'system:authenticated';
const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;

function withImpliedGroups(name: string, groups: string[]): UserInfo {
  const account = SERVICE_ACCOUNT.exec(name);
  const implied = account === null ? [] : ['system:serviceaccounts', `system:serviceaccounts:${account[1]}`];
  return { name, groups: [...new Set([...groups, ...implied, AUTHENTICATED])] };
}

/** Parses a static token file: one `token,user,uid[,"group1,group2"]` per line, `#` comments and blank lines skipped. */
export function parseTokenFile(text: string, file: string): TokenUser[] {
  const users: TokenUser[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(line);
    if (match === null) throw new ConfigError([{ file, line: index + 1, path: '', message: 'expected token,user,uid[,"group1,group2"]' }]);
    const groups = (match[4] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
    users.push({ token: match[1]!, name: match[2]!, groups });
  });
  return users;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class TokenAuthenticator {
  private readonly users: Array<{ token: string; user: UserInfo }>;

  constructor(adminToken: string, users: TokenUser[] = []) {
    this.users = [{ token: adminToken, user: withImpliedGroups(ADMIN_USER, [MASTERS_GROUP]) }, ...users.map((u) => ({ token: u.token, user: withImpliedGroups(u.name, u.groups ?? []) }))];
  }

  /** The user a request's `Authorization: Bearer` header names, or undefined (401). */
  authenticate(request: IncomingMessage): UserInfo | undefined {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) return undefined;
    const token = header.slice('Bearer '.length).trim();
    return this.users.find((entry) => sameToken(entry.token, token))?.user;
  }
}
