// URLs, through the WHATWG URL parser (the `URL` global of Node, browsers, Cloudflare Workers
// and Vercel Edge), so that a policy sees a URL exactly as `fetch` would: the host of
// 'https://trusted.example@evil.example/' is evil.example, 'HTTPS://API.Example.COM.' keeps its
// trailing dot, and internationalized hosts are in punycode. Only absolute URLs are accepted.

import { EvaluationError } from '../../src/lang/library.js';

// The compiler's ES lib does not declare URL (see tsconfig.json); this is the part we use.
declare const URL: new (
  input: string,
) => {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
};

/** URLs longer than this are rejected rather than parsed. */
export const URL_MAX_LENGTH = 65_536;

const DEFAULT_PORTS: Record<string, bigint> = { 'http:': 80n, 'https:': 443n, 'ws:': 80n, 'wss:': 443n, 'ftp:': 21n };

export interface ParsedUrl {
  scheme: string;
  host: string;
  port: bigint;
  path: string;
  query: string;
  fragment: string;
}

function invalidUrl(s: string): EvaluationError {
  const shown = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return new EvaluationError('invalid_argument', `invalid URL \`${shown}\`: expected an absolute URL, like https://api.example.com/v1`);
}

export function parseUrl(s: string): ParsedUrl {
  if (s.length > URL_MAX_LENGTH) {
    throw new EvaluationError('limit_exceeded', `URL is ${s.length} characters long, more than ${URL_MAX_LENGTH}`);
  }
  let u: InstanceType<typeof URL>;
  try {
    u = new URL(s);
  } catch {
    throw invalidUrl(s);
  }
  let host = u.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return {
    scheme: u.protocol.slice(0, -1),
    host,
    port:
      u.port !== '' ? BigInt(u.port) : Object.prototype.hasOwnProperty.call(DEFAULT_PORTS, u.protocol) ? DEFAULT_PORTS[u.protocol]! : 0n,
    path: u.pathname,
    query: u.search.slice(1),
    fragment: u.hash.slice(1),
  };
}

/** The parsed URL as a CEL map (a plain object with a null prototype). */
export function urlMap(s: string): Record<string, unknown> {
  const p = parseUrl(s);
  const out = Object.create(null) as Record<string, unknown>;
  out.scheme = p.scheme;
  out.host = p.host;
  out.port = p.port;
  out.path = p.path;
  out.query = p.query;
  out.fragment = p.fragment;
  return out;
}
