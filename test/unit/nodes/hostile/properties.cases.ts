/**
 * Property-based hostile inputs (fast-check): every generated input is one
 * try. Properties are the promises the node code makes about untrusted data.
 */
import fc from 'fast-check';

import { readDeliveryBody } from '../../../../nodes/IngestWebhookTrigger/delivery';
import { decodeManifestBytes } from '../../../../nodes/RagFreshnessCheck/manifest';
import { boundedCopy, ITEM_COPY_LIMITS, jsonNestingDepth } from '../../../../nodes/shared/bounded';
import { renderExposition, toWellFormed } from '../../../../nodes/shared/exposition';
import { METRICS } from '../../../../nodes/shared/metricCatalog';
import { probe } from '../../../../nodes/shared/probe';
import { buildPushUrl } from '../../../../nodes/shared/pushgateway';
import { isBlockedRedirectHost, redactText, redactUrl } from '../../../../nodes/shared/urls';
import { startHostileServer, type HostileServer } from '../../../../testbed/faults/hostileServers';
import { n8nHttpRequest } from '../../../support/n8nHttp';
import type { Tally } from './tally';

const RUNS = 100;

/** Depth of a JSON value, iteratively (the reference for jsonNestingDepth). */
function depthOf(value: unknown): number {
	let deepest = 0;
	const stack: Array<[unknown, number]> = [[value, 0]];
	while (stack.length) {
		const [v, d] = stack.pop()!;
		if (typeof v === 'object' && v !== null) {
			deepest = Math.max(deepest, d + 1);
			for (const child of Object.values(v)) stack.push([child, d + 1]);
		}
	}
	return deepest;
}

/** A value nested `n` deep, alternating arrays and objects, built without recursion. */
function nestedValue(n: number, leaf: unknown): unknown {
	let v = leaf;
	for (let i = 0; i < n; i++) v = i % 2 ? [v] : { k: v };
	return v;
}

export function propertyCases(tally: Tally): void {
	const property = <T>(label: string, arb: fc.Arbitrary<T>, predicate: (value: T) => boolean | void, numRuns = RUNS) => {
		let n = 0;
		fc.assert(
			fc.property(arb, (value) => {
				n++;
				return predicate(value);
			}),
			{ numRuns },
		);
		tally.countMany(label, n);
	};

	test('a password in a URL never survives redaction (URLs and free text)', () => {
		// Passwords as people type them, `@` and `:` included (WHATWG URL reads up to the last `@`).
		const secret = fc.stringMatching(/^[A-Za-z0-9!$&'()*+,;=%~._:@-]{1,24}$/).map((s) => `Zq9${s}`);
		const user = fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/);
		property('redactUrl', fc.tuple(fc.webUrl({ withQueryParameters: true, withFragments: true }), user, secret), ([url, u, pw]) => {
			const withInfo = url.replace('://', () => `://${u}:${pw}@`);
			const out = redactUrl(withInfo);
			expect(out.hadUserinfo).toBe(true);
			expect(out.url).not.toContain(pw);
			// Nothing of the password is left before the host either.
			expect(out.url.startsWith(url.slice(0, url.indexOf('://') + 3))).toBe(true);
			expect(new URL(out.url).password).toBe('');
			expect(redactText(`failed: GET ${withInfo} (ECONNREFUSED)`)).not.toContain(pw);
		});
	});

	test('every spelling of an address in 169.254.0.0/16 is blocked, addresses outside it are not', () => {
		const octet = fc.integer({ min: 0, max: 255 });
		property('metadata spellings', fc.tuple(octet, octet, fc.integer({ min: 0, max: 4 })), ([c, d, form]) => {
			const n = ((169 << 24) | (254 << 16) | (c << 8) | d) >>> 0;
			const spelled = [`169.254.${c}.${d}`, String(n), `0x${n.toString(16)}`, `0251.0376.0${c.toString(8)}.0${d.toString(8)}`, `[::ffff:169.254.${c}.${d}]`][form];
			expect(isBlockedRedirectHost(new URL(`http://${spelled}/`).hostname)).toBe(true);
		});
		property('other addresses', fc.tuple(octet, octet, octet, octet), ([a, b, c, d]) => {
			fc.pre(!(a === 169 && b === 254) && `${a}.${b}.${c}.${d}` !== '100.100.100.200');
			expect(isBlockedRedirectHost(new URL(`http://${a}.${b}.${c}.${d}/`).hostname)).toBe(false);
		});
		property('fe80::/10', fc.tuple(fc.integer({ min: 0xfe80, max: 0xfebf }), fc.integer({ min: 0, max: 0xffff })), ([g, h]) => {
			expect(isBlockedRedirectHost(new URL(`http://[${g.toString(16)}::${h.toString(16)}]/`).hostname)).toBe(true);
		}, 50);
	});

	test('jsonNestingDepth agrees with the parsed depth, whatever the strings hold', () => {
		property('nesting depth', fc.jsonValue({ maxDepth: 12 }), (value) => {
			expect(jsonNestingDepth(JSON.stringify(value), 1000)).toBe(depthOf(value));
		});
	});

	test('boundedCopy of anything (up to 50 000 deep) is small, serializable and never throws', () => {
		property('boundedCopy json', fc.jsonValue({ maxDepth: 15 }), (value) => {
			const text = JSON.stringify(boundedCopy(value)) ?? '';
			expect(text.length).toBeLessThan(ITEM_COPY_LIMITS.maxNodes * (ITEM_COPY_LIMITS.maxString + 40));
		});
		property('boundedCopy deep', fc.integer({ min: 1, max: 50_000 }), (n) => {
			const copy = boundedCopy(nestedValue(n, 'leaf'));
			expect(depthOf(copy)).toBeLessThanOrEqual(ITEM_COPY_LIMITS.maxDepth);
			expect(() => JSON.stringify(copy)).not.toThrow();
		}, 30);
	});

	test('decoding arbitrary bytes as a manifest never throws and always names a path', () => {
		property('manifest bytes', fc.uint8Array({ maxLength: 300 }), (bytes) => {
			const decoded = decodeManifestBytes(bytes);
			if (!decoded.ok) expect(decoded.problems[0].path).toBe('$');
		}, 200);
	});

	test('reading an arbitrary delivery never throws; a refusal is 400, 413 or 415 with a reason', () => {
		const type = fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml');
		const parsed = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 4 }), fc.record({ payload: fc.string() }));
		property('delivery', fc.tuple(type, parsed, fc.uint8Array({ maxLength: 200 })), ([t, p, raw]) => {
			const out = readDeliveryBody(t, p, Buffer.from(raw));
			if (!out.ok) {
				expect([400, 413, 415]).toContain(out.status);
				expect(out.reason.length).toBeGreaterThan(5);
			} else expect(typeof out.body).toBe('object');
		}, 200);
	});

	test('any target name, lone surrogates included, can be pushed once made well-formed', () => {
		property('push names', fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
			const target = toWellFormed(name);
			expect(() => buildPushUrl('http://127.0.0.1:9091', 'ragops_health', target)).not.toThrow();
			expect(() => renderExposition([{ metric: METRICS.freshnessStatus, labels: { status: target }, value: 1 }])).not.toThrow();
		}, 200);
	});

	describe('probe against random Location headers', () => {
		let a: HostileServer;
		beforeAll(async () => {
			a = await startHostileServer();
		});
		afterAll(async () => await a.stop());
		test('never throws, never reaches a blocked host, always a response or a known error code', async () => {
			const location = fc.oneof(
				fc.string({ maxLength: 40 }),
				fc.webUrl(),
				fc.constantFrom('http://169.254.169.254/', 'http://[fe80::1]/', '/ok', '/chain/2', '//evil.invalid/', 'http:/ok', '\\\\evil', '/loop/a', '/self'),
			);
			let n = 0;
			await fc.assert(
				fc.asyncProperty(location, fc.boolean(), async (loc, allow) => {
					// Only loopback is ever contacted: with other origins allowed, a Location naming any
					// other (non-blocked) host is skipped rather than requested or even resolved.
					let target: URL | undefined;
					try {
						target = new URL(loc, a.origin);
					} catch {
						target = undefined;
					}
					fc.pre(!allow || !target || target.hostname === '127.0.0.1' || isBlockedRedirectHost(target.hostname) || !/^https?:$/.test(target.protocol));
					fc.pre(/^[\x20-\x7e]*$/.test(loc));
					n++;
					const result = await probe(n8nHttpRequest, {
						url: a.url(`/redirect?to64=${Buffer.from(loc).toString('base64')}`),
						timeoutMs: 3000,
						maxBodyBytes: 4096,
						allowCrossOriginRedirects: allow,
					});
					if (result.finalUrl) expect(isBlockedRedirectHost(new URL(result.finalUrl).hostname)).toBe(false);
					if (!allow && result.finalUrl) expect(new URL(result.finalUrl).origin).toBe(a.origin);
					expect(result.response !== undefined || result.error !== undefined).toBe(true);
					expect(result.error?.code).not.toBe('unknown');
				}),
				{ numRuns: 60 },
			);
			tally.countMany('random Location', n);
		});
	});
}
