/**
 * Hostile redirects against the probe, with n8n's real HTTP client
 * (@n8n/backend-network, as behind `this.helpers.httpRequest`).
 */
import { probe, type HttpRequestFn, type ProbeResult } from '../../../../nodes/shared/probe';
import { startHostileServer, type HostileServer } from '../../../../testbed/faults/hostileServers';
import { n8nHttpRequest } from '../../../support/n8nHttp';
import type { Tally } from './tally';

/** Where a redirect must never lead, however it is spelled. */
export const METADATA_LOCATIONS = [
	'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
	'http://169.254.0.1/',
	'http://169.254.255.255:8080/x',
	'https://169.254.169.254/',
	'http://2852039166/',
	'http://0xa9fea9fe/',
	'http://0251.0376.0251.0376/',
	'http://169.254.43518/',
	'//169.254.169.254/latest/meta-data/',
	'http://user:pw@169.254.169.254/',
	'http://[fe80::1]/',
	'http://[FE80::a9fe:a9fe]/',
	'http://[febf:ffff::1]/',
	'http://[::ffff:169.254.169.254]/',
	'http://[::ffff:a9fe:a9fe]/',
	'http://[64:ff9b::169.254.169.254]/',
	'http://metadata.google.internal/computeMetadata/v1/',
	'http://METADATA.GOOGLE.INTERNAL./computeMetadata/v1/',
	'http://metadata/',
	'http://metadata.azure.com/metadata/instance',
	'http://instance-data/latest/',
	'http://100.100.100.200/latest/meta-data/',
	'http://[fd00:ec2::254]/latest/meta-data/',
];

export const NON_HTTP_LOCATIONS = ['file:///etc/passwd', 'ftp://127.0.0.1/x', 'javascript:alert(1)', 'data:text/plain,hi', 'gopher://127.0.0.1:6379/_FLUSHALL', 'ws://127.0.0.1/'];

export const INVALID_LOCATIONS = ['http://[::1', 'http://a b/', 'http://%zz/', 'http://[fe80::1%25eth0]/', 'http://:80/'];

export function redirectCases(tally: Tally): void {
	let a: HostileServer;
	let b: HostileServer;
	beforeAll(async () => {
		a = await startHostileServer();
		b = await startHostileServer();
	});
	afterAll(async () => {
		await a.stop();
		await b.stop();
	});

	const run = async (url: string, extra: Partial<Parameters<typeof probe>[1]> = {}, request: HttpRequestFn = n8nHttpRequest): Promise<ProbeResult> =>
		await probe(request, { url, timeoutMs: 5000, maxBodyBytes: 64 * 1024, ...extra });
	const to = (location: string, code = 302) => a.url(`/redirect?code=${code}&to=${encodeURIComponent(location)}`);

	describe('redirects to link-local and metadata addresses are never followed', () => {
		test.each(METADATA_LOCATIONS.flatMap((l) => [[l, false], [l, true]] as Array<[string, boolean]>))('%s (other origins allowed: %s)', async (location, allow) => {
			tally.count(`redirect→${location} allow=${allow}`);
			const result = await run(to(location), { allowCrossOriginRedirects: allow });
			expect(result.response).toBeUndefined();
			expect(result.error?.code).toBe(location.includes('%25') ? 'redirect_invalid' : 'redirect_blocked');
			expect(result.error?.message).toMatch(/link-local or cloud-metadata|not a URL/);
			expect(result.error?.message).not.toContain('user:pw');
		});
	});

	describe('redirects to other schemes and to invalid locations are refused with their own code', () => {
		test.each(NON_HTTP_LOCATIONS)('%s', async (location) => {
			tally.count(`redirect→${location}`);
			const result = await run(to(location), { allowCrossOriginRedirects: true });
			expect(result.error?.code).toBe('redirect_blocked');
		});
		test.each(INVALID_LOCATIONS)('%s', async (location) => {
			tally.count(`redirect→${location}`);
			const result = await run(to(location), { allowCrossOriginRedirects: true });
			expect(result.error?.code).toBe('redirect_invalid');
		});
	});

	describe('another origin is not followed by default, whatever the status', () => {
		test.each([301, 302, 303, 307, 308])('%i to another port', async (code) => {
			tally.count(`cross-origin ${code}`);
			const before = b.seen.length;
			const result = await run(to(b.url('/ok'), code));
			expect(result.error?.code).toBe('redirect_cross_origin');
			expect(result.error?.message).toContain(b.url('/ok'));
			expect(b.seen.length).toBe(before);
		});
		test.each([
			['localhost instead of 127.0.0.1', (port: string) => `http://localhost:${port}/ok`],
			['https on the same host and port', (port: string) => `https://127.0.0.1:${port}/ok`],
			['[::1] on the same port', (port: string) => `http://[::1]:${port}/ok`],
		])('%s', async (label, make) => {
			tally.count(`cross-origin ${label}`);
			const result = await run(to(make(new URL(a.origin).port)));
			expect(result.error?.code).toBe('redirect_cross_origin');
		});
	});

	test('another origin, when allowed, is followed without the target headers', async () => {
		tally.count('cross-origin allowed, headers dropped');
		const before = b.seen.length;
		const result = await run(to(b.url('/ok')), { allowCrossOriginRedirects: true, headers: { 'X-Api-Key': 'hdr-secret-1', Authorization: 'Bearer hdr-secret-2' } });
		expect(result.response?.statusCode).toBe(200);
		expect(result.finalUrl).toBe(b.url('/ok'));
		const hop = b.seen.slice(before);
		expect(hop).toHaveLength(1);
		expect(JSON.stringify(hop[0].headers)).not.toMatch(/hdr-secret/);
		// The target's own origin got them.
		expect(JSON.stringify(a.seen.at(-1)!.headers)).toContain('hdr-secret-1');
	});

	test('a hop to another origin uses the anonymous client, the target origin the credentialed one', async () => {
		tally.count('cross-origin allowed, anonymous client');
		const used: string[] = [];
		const credentialed: HttpRequestFn = async (o) => {
			used.push(`cred ${o.url}`);
			return await n8nHttpRequest({ ...o, headers: { ...(o.headers ?? {}), Authorization: 'Bearer cred-secret' } });
		};
		const anonymous: HttpRequestFn = async (o) => {
			used.push(`anon ${o.url}`);
			return await n8nHttpRequest(o);
		};
		const result = await run(to(b.url('/chain/1')), { allowCrossOriginRedirects: true, anonymousRequest: anonymous }, credentialed);
		expect(result.response?.statusCode).toBe(200);
		expect(used.map((u) => u.split(' ')[0])).toEqual(['cred', 'anon', 'anon', 'anon']);
		expect(JSON.stringify(b.seen)).not.toContain('cred-secret');
	});

	describe('same-origin redirects are followed up to the limit; loops and long chains get their own codes', () => {
		test.each([0, 1, 2, 4])('a chain of %i + 1 hops passes', async (n) => {
			tally.count(`chain ${n}`);
			const result = await run(a.url(`/chain/${n}`));
			expect(result.response?.statusCode).toBe(200);
			expect(result.redirects).toBe(n + 1);
		});
		test.each([5, 21, 1000])('a chain of %i + 1 hops is too_many_redirects', async (n) => {
			tally.count(`chain ${n}`);
			const before = a.seen.length;
			const result = await run(a.url(`/chain/${n}`));
			expect(result.error?.code).toBe('too_many_redirects');
			expect(result.error?.message).toContain('more than 5 redirects');
			// 1 request + 5 hops, never n.
			expect(a.seen.length - before).toBe(6);
		});
		test.each(['/loop/a', '/self'])('%s is a redirect_loop', async (path) => {
			tally.count(`loop ${path}`);
			const result = await run(a.url(path));
			expect(result.error?.code).toBe('redirect_loop');
			expect(result.error?.message).toMatch(/redirect loop/);
		});
		test('maxRedirects 0 returns the 3xx itself', async () => {
			tally.count('maxRedirects 0');
			const result = await run(a.url('/chain/0'), { maxRedirects: 0 });
			expect(result.response?.statusCode).toBe(302);
		});
		test('a loop across origins (allowed) is still a loop', async () => {
			tally.count('cross-origin loop');
			const result = await run(to(b.url('/loop/a')), { allowCrossOriginRedirects: true });
			expect(result.error?.code).toBe('redirect_loop');
		});
	});
}
