/**
 * What the nodes may say about a URL, and where a redirect may lead.
 *
 * - A password written into a URL (`http://svc:secret@host/`) must never
 *   reach an item, a message, an execution or a metric label: every URL the
 *   nodes show goes through {@link redactUrl} / {@link redactText}, and the
 *   node warns the user to move the secret into a credential.
 * - A probe follows a redirect only within the target's origin unless the
 *   user allows more, and never to a link-local or cloud-metadata address
 *   ({@link isBlockedRedirectHost}): a health endpoint that answers 302 to
 *   169.254.169.254 must not turn n8n into a metadata fetcher.
 */

export interface RedactedUrl {
	/** The URL without `user:password@`. */
	url: string;
	/** True when the URL carried userinfo (a user name, a password or both). */
	hadUserinfo: boolean;
}

/**
 * URL userinfo: between `scheme://` and the LAST `@` before any `/ ? #` (as
 * WHATWG URL reads it: in `http://u:p@ss@host/` the password is `p@ss`).
 */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i;
/** The same anywhere in a text (error messages that quote a URL). */
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;

/** The URL without userinfo. Works on text that does not parse as a URL too. */
export function redactUrl(url: string): RedactedUrl {
	const trimmed = url.trim();
	const stripped = trimmed.replace(USERINFO, '$1');
	return { url: stripped, hadUserinfo: stripped !== trimmed };
}

/** A URL as a message quotes it: without userinfo, at most 200 characters (a URL can be arbitrarily long). */
export function displayUrl(url: string): string {
	const { url: shown } = redactUrl(url);
	return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

/** Removes the userinfo of every URL quoted in a text. */
export function redactText(text: string): string {
	return text.replace(USERINFO_IN_TEXT, '$1');
}

/** The sentence a node adds to its output when a URL carried userinfo. */
export function userinfoWarning(what: string): string {
	return `${what} contains a user name or password (user:password@host); it was removed from the output. Move it into a credential: URLs are shown in items, executions and metrics.`;
}

export function originOf(url: string): string | undefined {
	try {
		const parsed = new URL(url);
		return parsed.origin === 'null' ? undefined : parsed.origin;
	} catch {
		return undefined;
	}
}

/** Host names of cloud instance-metadata services (AWS, GCP, Azure, OpenStack, Alibaba, Oracle…). */
const METADATA_HOSTS = new Set([
	'metadata',
	'metadata.google.internal',
	'metadata.goog',
	'metadata.azure.com',
	'metadata.internal',
	'instance-data',
	'instance-data.ec2.internal',
	'metadata.tencentyun.com',
	'metadata.platformequinix.com',
]);
/** Metadata services on addresses outside 169.254.0.0/16 (Alibaba Cloud, AWS IMDS over IPv6). */
const METADATA_ADDRESSES = new Set(['100.100.100.200']);

function ipv4Octets(host: string): number[] | undefined {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
	if (!m) return undefined;
	const octets = m.slice(1).map(Number);
	return octets.every((o) => o <= 255) ? octets : undefined;
}

/**
 * Eight 16-bit groups of an IPv6 address as WHATWG URL serializes it (hex
 * groups, `::` compressed; URL turns an embedded dotted quad into hex too).
 */
function ipv6Groups(host: string): number[] | undefined {
	if (!/^[0-9a-f:]+$/.test(host) || !host.includes(':')) return undefined;
	const halves = host.split('::');
	if (halves.length > 2) return undefined;
	const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
	const head = parse(halves[0]);
	const rest = halves.length === 2 ? parse(halves[1]) : [];
	const missing = 8 - head.length - rest.length;
	if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
	const groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
	return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** fd00:ec2::254, AWS instance metadata over IPv6. */
const AWS_IMDS_V6 = [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254];

function isLinkLocalV4(octets: number[]): boolean {
	return octets[0] === 169 && octets[1] === 254;
}

/**
 * True for a host a redirect must never lead to: IPv4 link-local
 * 169.254.0.0/16 (where AWS, GCP, Azure and OpenStack serve instance
 * metadata), IPv6 link-local fe80::/10, the same addresses embedded in IPv6
 * (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96), and the metadata services'
 * host names. Takes a URL's `hostname` (IPv6 with or without brackets).
 * Names that only resolve to such an address are not caught here (the node
 * cannot resolve names): n8n's SSRF protection covers that.
 */
export function isBlockedRedirectHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.+$/, '');
	if (METADATA_HOSTS.has(host) || METADATA_ADDRESSES.has(host)) return true;
	const v4 = ipv4Octets(host);
	if (v4) return isLinkLocalV4(v4);
	const v6 = ipv6Groups(host.replace(/%.*$/, ''));
	if (!v6) return false;
	if ((v6[0] & 0xffc0) === 0xfe80) return true;
	const embedded = [v6[6] >> 8, v6[6] & 0xff, v6[7] >> 8, v6[7] & 0xff];
	const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
	const nat64 = v6[0] === 0x64 && v6[1] === 0xff9b && v6.slice(2, 6).every((g) => g === 0);
	if (mapped || nat64) {
		return isLinkLocalV4(embedded) || METADATA_ADDRESSES.has(embedded.join('.'));
	}
	return v6.every((g, i) => g === AWS_IMDS_V6[i]);
}
