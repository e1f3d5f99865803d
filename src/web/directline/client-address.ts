// Who is asking, for per-client limits: the socket's peer, or, behind proxies we were told about
// (TRUST_PROXY_HOPS), the address the outermost of them saw. Behind Azure App Service or a load balancer every
// request arrives from the proxy, so without this every visitor would share one limit. The same trust decides
// whether X-Forwarded-Proto counts (reachedOverHttps: Secure cookies, wss:// URLs).
import { isIP } from 'node:net';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string | undefined };
}

/**
 * The client's address. With `trustedHops` = n > 0, the n-th entry from the right of X-Forwarded-For: each
 * proxy appends the address it was reached from, so the last n entries were written by our own proxies and
 * anything further left is whatever the client sent (and may be forged). With fewer entries than hops, the
 * leftmost (the first proxy found nothing to append to). Entries that are not addresses are ignored.
 */
export function clientAddress(req: RequestLike, trustedHops: number): string {
  const peer = normaliseAddress(req.socket.remoteAddress ?? '') ?? 'unknown';
  const chosen = trustedEntry(req, 'x-forwarded-for', trustedHops);
  return (chosen && normaliseAddress(chosen)) ?? peer;
}

/** The n-th entry from the right of a header our proxies append to (see clientAddress); null if none. */
function trustedEntry(req: RequestLike, name: string, trustedHops: number): string | null {
  if (trustedHops <= 0) return null;
  const header = req.headers[name];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((e) => e.trim()).filter(Boolean);
  return entries.length ? entries[Math.max(0, entries.length - trustedHops)]! : null;
}

/**
 * Whether the browser reached Clave over https, for Secure cookies and wss:// URLs: the socket is TLS itself, or
 * the request was for the https PUBLIC_BASE_URL (`onPublicHttps`: whatever a proxy in front says or leaves out),
 * or proxies we were told about (TRUST_PROXY_HOPS) say so in X-Forwarded-Proto. Without them that header is only
 * what the client chose to send.
 */
export function reachedOverHttps(
  req: RequestLike & { isSecure(): boolean },
  options: { onPublicHttps: boolean; trustedHops: number },
): boolean {
  if (req.isSecure() || options.onPublicHttps) return true;
  return trustedEntry(req, 'x-forwarded-proto', options.trustedHops)?.toLowerCase() === 'https';
}

/**
 * One address per client: IPv4-mapped IPv6 as IPv4, a port dropped (App Service writes "203.0.113.5:51234"),
 * and IPv6 cut to its /64, because one subscriber commonly holds a whole /64 and could otherwise step
 * through it to get a fresh limit per request. Null when it is not an address.
 */
export function normaliseAddress(raw: string): string | null {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  address = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(address);
  if (mapped) address = mapped[1]!;
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
  return null;
}

/** The eight 16-bit groups of a valid IPv6 address, as lowercase hex without leading zeros. */
function expandIpv6(address: string): string[] {
  // A trailing dotted quad (::ffff:1.2.3.4 is handled above; others like 64:ff9b::1.2.3.4) is two groups.
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  let text = address.toLowerCase();
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
}
