/**
 * Hostile manifests for the RAG Freshness Check node (engine harness): bytes
 * in every encoding, 200 000 sources, deep nesting, names that are
 * Object.prototype members, redirects of the manifest URL with a credential.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { validateManifest } from '../../../../nodes/RagFreshnessCheck/manifest';
import { RagFreshnessCheck } from '../../../../nodes/RagFreshnessCheck/RagFreshnessCheck.node';
import { leakScanner, manifestText, startHostileServer, type HostileServer } from '../../../../testbed/faults/hostileServers';
import { runNode, type RunNodeResult } from '../../../support/nodeHarness';
import type { Tally } from './tally';

const TOKEN = 'tok-SECRET-fresh-91';
const URL_PASSWORD = 'url-SECRET-fresh-22';
const scan = leakScanner([TOKEN, URL_PASSWORD]);

const valid = manifestText(3);
const b64 = (bytes: Buffer) => encodeURIComponent(bytes.toString('base64'));

/** [label, bytes, expected: 'pass' or a substring of the problem]. */
export const ENCODINGS: Array<[string, Buffer, string]> = [
	['UTF-8', Buffer.from(valid), 'pass'],
	['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)]), 'pass'],
	['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]), 'pass'],
	['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(valid, 'utf16le').swap16()]), 'pass'],
	['UTF-16LE without BOM', Buffer.from(valid, 'utf16le'), 'NUL bytes'],
	['UTF-16BE without BOM', Buffer.from(valid, 'utf16le').swap16(), 'NUL bytes'],
	['UTF-32LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from([...valid].flatMap((c) => [c.charCodeAt(0), 0, 0, 0]))]), 'UTF-32'],
	['UTF-32BE with BOM', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), Buffer.from([...valid].flatMap((c) => [0, 0, 0, c.charCodeAt(0)]))]), 'UTF-32'],
	['UTF-16LE BOM, odd length', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le'), Buffer.from([0x7d])]), 'odd number of bytes'],
	['UTF-16LE BOM, lone surrogate', Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xdc]), Buffer.from(valid, 'utf16le')]), 'not valid UTF-16'],
	['Latin-1 (é as 0xE9)', Buffer.from(manifestText(1).replace('r-1', 'caf\u00e9'), 'latin1'), 'not valid UTF-8'],
	['overlong UTF-8 (0xC0 0xAF)', Buffer.concat([Buffer.from(valid.slice(0, 20)), Buffer.from([0xc0, 0xaf]), Buffer.from(valid.slice(20))]), 'not valid UTF-8'],
	['UTF-8 encoded surrogate (0xED 0xA0 0x80)', Buffer.concat([Buffer.from(valid.slice(0, 20)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(valid.slice(20))]), 'not valid UTF-8'],
	['truncated multibyte sequence at the end', Buffer.concat([Buffer.from(valid), Buffer.from([0xe2, 0x82])]), 'not valid UTF-8'],
	['binary garbage', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]), 'not valid UTF-8'],
	['a gzip file', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), 'not valid UTF-8'],
	['NUL first', Buffer.concat([Buffer.from([0]), Buffer.from(valid)]), 'NUL bytes'],
	['only a BOM', Buffer.from([0xef, 0xbb, 0xbf]), 'empty'],
	['BOM twice (both dropped)', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(valid)]), 'pass'],
	['BOM then whitespace', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n\t ${valid}\n`)]), 'pass'],
	['100 000 deep arrays', Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)), 'nested deeper than 64'],
	['100 000 deep inside sources', Buffer.from(manifestText(0).replace('"sources":{}', `"sources":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)), 'nested deeper than 64'],
];

export function freshnessCases(tally: Tally): void {
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

	async function check(label: string, parameters: INodeParameters, extra: { staticData?: IDataObject; credentials?: Record<string, object>; maxRunBytes?: number } = {}): Promise<RunNodeResult> {
		return await tally.run(label, async () => {
			const run = await runNode({ node: new RagFreshnessCheck(), parameters: { warnAfterHours: 25, errorAfterHours: 49, ...parameters }, staticData: extra.staticData, credentials: extra.credentials as never });
			expect(run.error).toBeUndefined();
			// The run data serializes (the saved execution opens), and the items are small.
			const serialized = JSON.stringify(run.run);
			expect(JSON.stringify(run.outputs).length).toBeLessThan(extra.maxRunBytes ?? 200_000);
			expect(tally.leaksIn(scan(serialized))).toEqual([]);
			return run;
		});
	}
	const only = (run: RunNodeResult) => [...run.outputs[0], ...run.outputs[1]][0].json;

	describe('encodings, fetched from a URL (the bytes as sent, not pre-decoded)', () => {
		test.each(ENCODINGS)('%s', async (label, bytes, expected) => {
			const run = await check(`manifest encoding ${label}`, { source: 'url', url: a.blob(bytes) });
			const json = only(run);
			if (expected === 'pass') expect(json.status).toBe('pass');
			else {
				expect(json.status).toBe('fail');
				expect(String((json.reasons as string[])[0])).toContain(expected);
			}
		});
	});

	describe('arbitrarily many sources validate in bounded stack', () => {
		test.each([
			[200_000, 'object'],
			[200_000, 'array'],
			[500_000, 'array'],
		] as const)('%i sources as an %s (a parsed manifest, e.g. from an input item)', async (n, shape) => {
			await tally.run(`manifest ${n} sources ${shape}`, async () => {
				const value = JSON.parse(manifestText(n, shape)) as unknown;
				const result = validateManifest(value, { now: new Date(), clockSkewMs: 300_000 });
				expect(result.ok).toBe(true);
				if (result.ok) expect(result.manifest.sources.size).toBe(n);
			});
		});
		test('200 000 sources through the node (input JSON): a small item with the full count', async () => {
			const run = await tally.run('manifest 200k sources via node', async () =>
				await runNode({ node: new RagFreshnessCheck(), parameters: { source: 'json', jsonField: 'm' }, inputItems: [{ json: { m: JSON.parse(manifestText(200_000)) as IDataObject } }] }),
			);
			expect(run.error).toBeUndefined();
			const json = [...run.outputs[0], ...run.outputs[1]][0].json;
			expect(json.status).toBe('pass');
			expect(json.manifest).toMatchObject({ sourceCount: 200_000, sourcesOmitted: 199_000 });
			expect(JSON.stringify(json).length).toBeLessThan(100_000);
		});
		test('20 000 sources fetched from a URL (just under 1 MiB)', async () => {
			const run = await check('manifest 20k sources via URL', { source: 'url', url: a.url('/manifest?sources=20000') });
			expect(only(run).manifest).toMatchObject({ sourceCount: 20_000, sourcesOmitted: 19_000 });
		});
		test('a manifest over 1 MiB from a URL is refused by size', async () => {
			const run = await check('manifest over 1 MiB', { source: 'url', url: a.url('/manifest?sources=100000') });
			expect(JSON.stringify(only(run).reasons)).toContain('more than the 1048576 bytes');
		});
		test('200 000 bad sources from an input item: a fail with a bounded message and problem list', async () => {
			const bad: IDataObject = {};
			for (let i = 0; i < 200_000; i++) bad[`s${i}`] = { document_count: -1, chunk_count: 'x' };
			const big = await tally.run('manifest 200k bad sources (item)', async () =>
				await runNode({ node: new RagFreshnessCheck(), parameters: { source: 'json', jsonField: 'm' }, inputItems: [{ json: { m: { ...JSON.parse(manifestText(0)), sources: bad } } }] }),
			);
			expect(big.error).toBeUndefined();
			const json = [...big.outputs[0], ...big.outputs[1]][0].json;
			expect(json.status).toBe('fail');
			expect((json.problems as unknown[]).length).toBe(100);
			expect(json.problemsOmitted).toBe(399_900);
			expect(String((json.reasons as string[])[0]).length).toBeLessThan(5000);
		});
	});

	describe('names that are Object.prototype members', () => {
		test.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf'])('manifest named %s remembers its chunk count between runs', async (name) => {
			const staticData: IDataObject = {};
			const url = (chunks: number, run: string) =>
				a.url(`/bytes?b64=${b64(Buffer.from(manifestText(1).replace('"chunk_count":2,', `"chunk_count":${chunks},`).replace('"r-1"', `"${run}"`)))}`);
			await check(`manifest named ${name} run 1`, { source: 'url', url: url(1000, 'one'), manifestName: name }, { staticData });
			const second = await check(`manifest named ${name} run 2`, { source: 'url', url: url(100, 'two'), manifestName: name }, { staticData });
			const json = only(second);
			expect(json.status).toBe('warn');
			expect(JSON.stringify(json.reasons)).toContain('chunk count dropped 90.0 %');
			// Saved as an own key (n8n stores static data as JSON): it survives the database round trip.
			expect(JSON.stringify(staticData)).toContain(`"${name}":{"runId":"two"`);
		});
		test('sources named __proto__ and constructor are kept, and duplicates in a list are reported', async () => {
			const text = manifestText(0).replace('"sources":{}', '"sources":{"__proto__":{"document_count":1,"chunk_count":2},"constructor":{"document_count":3,"chunk_count":4}}');
			const run = await check('sources named __proto__', { source: 'url', url: a.url(`/bytes?b64=${b64(Buffer.from(text))}`) });
			const sources = (only(run).manifest as IDataObject).sources as IDataObject;
			expect(Object.prototype.hasOwnProperty.call(sources, '__proto__')).toBe(true);
			expect(Object.keys(sources).sort()).toEqual(['__proto__', 'constructor']);
			const list = manifestText(0).replace('"sources":{}', '"sources":[{"name":"a","document_count":1,"chunk_count":2},{"name":"a","document_count":1,"chunk_count":2}]');
			const dup = await check('duplicate source names', { source: 'url', url: a.url(`/bytes?b64=${b64(Buffer.from(list))}`) });
			expect(JSON.stringify(only(dup).reasons)).toContain('names a source listed before');
		});
	});

	describe('the manifest URL: redirects, credentials, userinfo', () => {
		const to = (location: string) => a.url(`/redirect?to=${encodeURIComponent(location)}`);
		test('a redirect to another origin is a fail naming both URLs; the credential stays home', async () => {
			const before = b.seen.length;
			const run = await check('manifest cross-origin', { source: 'url', url: to(b.url('/manifest')), authentication: 'ragServiceApi' }, { credentials: { ragServiceApi: { authType: 'bearer', token: TOKEN } } });
			const json = only(run);
			expect(json.status).toBe('fail');
			expect(JSON.stringify(json.reasons)).toContain('another origin');
			expect(b.seen.length).toBe(before);
		});
		test('allowed, the hop goes out without the credential', async () => {
			const before = b.seen.length;
			const run = await check('manifest cross-origin allowed', { source: 'url', url: to(b.url('/manifest')), authentication: 'ragServiceApi', allowCrossOriginRedirects: true }, { credentials: { ragServiceApi: { authType: 'bearer', token: TOKEN } } });
			expect(only(run).status).toBe('pass');
			expect(b.seen.length).toBe(before + 1);
			expect(tally.leaksIn(scan(b.seen.at(-1)!.headers))).toEqual([]);
		});
		test('a metadata redirect is never followed, even when other origins are allowed', async () => {
			const run = await check('manifest metadata', { source: 'url', url: to('http://169.254.169.254/latest/'), allowCrossOriginRedirects: true });
			expect(JSON.stringify(only(run).reasons)).toContain('link-local or cloud-metadata');
		});
		test('a redirect loop names itself', async () => {
			const run = await check('manifest loop', { source: 'url', url: a.url('/loop/a') });
			expect(JSON.stringify(only(run).reasons)).toContain('redirect loop');
		});
		test('a password in the manifest URL is never shown, and the user is told', async () => {
			const run = await check('manifest userinfo', { source: 'url', url: `http://svc:${URL_PASSWORD}@127.0.0.1:1/latest.json` });
			const json = only(run);
			expect(json.status).toBe('fail');
			expect(JSON.stringify(json.warnings)).toContain('Move it into a credential');
			expect(JSON.stringify(json.reasons)).toContain('http://127.0.0.1:1/latest.json');
		});
		test('a gzip bomb as the manifest is cut at 1 MiB and refused', async () => {
			const run = await check('manifest gzip bomb', { source: 'url', url: a.url('/gzip-bomb?mb=64') });
			expect(JSON.stringify(only(run).reasons)).toContain('more than the 1048576 bytes');
		});
		test('an endless manifest is cut at 1 MiB and refused', async () => {
			const run = await check('manifest endless', { source: 'url', url: a.url('/endless') });
			expect(JSON.stringify(only(run).reasons)).toContain('more than the 1048576 bytes');
		});
	});
}
