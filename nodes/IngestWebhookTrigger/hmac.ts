import { createHash, createHmac, timingSafeEqual } from 'crypto';

/**
 * HMAC SHA-256 webhook signatures, the way GitHub signs deliveries
 * (`X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(secret, raw body)>`) and
 * the way most other senders do with their own header name and prefix.
 *
 * The signature is computed over the RAW request bytes: re-serialising parsed
 * JSON changes whitespace and key order and would reject genuine deliveries.
 */

export type SignatureEncoding = 'hex' | 'base64';

export function hmacSha256(secret: string, payload: Buffer | string, encoding: SignatureEncoding = 'hex'): string {
	return createHmac('sha256', secret).update(payload).digest(encoding);
}

/** The header value a sender would put on `payload`, e.g. `sha256=757107ea…`. */
export function signPayload(
	secret: string,
	payload: Buffer | string,
	prefix = 'sha256=',
	encoding: SignatureEncoding = 'hex',
): string {
	return `${prefix}${hmacSha256(secret, payload, encoding)}`;
}

export type SignatureVerdict =
	| { valid: true }
	| { valid: false; reason: 'missing signature' | 'wrong prefix' | 'malformed signature' | 'signature mismatch' | 'no secret configured' };

/**
 * Checks `headerValue` against HMAC-SHA256(secret, payload) in constant time.
 * Both sides are decoded to bytes first and compared with `timingSafeEqual`
 * (after a length check, which leaks only the length of a well-formed digest,
 * i.e. nothing), so the comparison time does not tell an attacker how many
 * leading characters they guessed right.
 */
export function verifySignature(
	secret: string,
	payload: Buffer | string,
	headerValue: string | string[] | undefined,
	prefix = 'sha256=',
	encoding: SignatureEncoding = 'hex',
): SignatureVerdict {
	if (!secret) return { valid: false, reason: 'no secret configured' };
	const value = Array.isArray(headerValue) ? headerValue[0] : headerValue;
	if (value === undefined || value.trim() === '') return { valid: false, reason: 'missing signature' };
	const trimmed = value.trim();
	// Prefixes are compared case-insensitively: some senders write `SHA256=`.
	if (prefix && trimmed.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
		return { valid: false, reason: 'wrong prefix' };
	}
	const given = trimmed.slice(prefix.length);
	const pattern = encoding === 'hex' ? /^[0-9a-fA-F]{64}$/ : /^[A-Za-z0-9+/]{43}=?$/;
	if (!pattern.test(given)) return { valid: false, reason: 'malformed signature' };
	const expected = createHmac('sha256', secret).update(payload).digest();
	const givenBytes = Buffer.from(given, encoding);
	if (givenBytes.length !== expected.length || !timingSafeEqual(givenBytes, expected)) {
		return { valid: false, reason: 'signature mismatch' };
	}
	return { valid: true };
}

/** Stable short id of a body, for senders that send no delivery id. */
export function sha256Hex(payload: Buffer | string): string {
	return createHash('sha256').update(payload).digest('hex');
}
