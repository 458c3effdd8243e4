/**
 * Hostile answers and names for the RAG Ingestion node (engine harness): a
 * source named like an Object.prototype member, a start endpoint that
 * redirects to another origin with the credential set, and a status answer
 * with a pathological error list.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { RagIngestion } from '../../../../nodes/RagIngestion/RagIngestion.node';
import { leakScanner, startHostileServer, type HostileServer } from '../../../../testbed/faults/hostileServers';
import { startIngestionApi, type IngestionApi } from '../../../../testbed/stack/ingestionApi';
import { runNode } from '../../../support/nodeHarness';
import type { Tally } from './tally';

const TOKEN = 'tok-SECRET-ingest-3e';
const scan = leakScanner([TOKEN]);

function params(baseUrl: string, extra: INodeParameters = {}): INodeParameters {
	return {
		baseUrl,
		source: 'handbook',
		mode: 'incremental',
		idempotencyKey: '',
		metadata: '{}',
		waitForCompletion: true,
		maxRuntimeMinutes: 1,
		options: { pollIntervalSeconds: 0.01, maxPollIntervalSeconds: 0.05 },
		...extra,
	};
}

export function ingestionCases(tally: Tally): void {
	let api: IngestionApi;
	let a: HostileServer;
	let b: HostileServer;
	beforeAll(async () => {
		api = await startIngestionApi();
		a = await startHostileServer();
		b = await startHostileServer();
	});
	afterAll(async () => {
		await api.stop();
		await a.stop();
		await b.stop();
	});

	test.each(['__proto__', 'constructor', 'toString'])('a source named %s is an ordinary source: one run, its key remembered, a second offer Skipped', async (source) => {
		await tally.run(`ingestion source ${source}`, async () => {
			const staticData: IDataObject = {};
			const parameters = params(api.url, { source, idempotencyKey: `v1-${source}` });
			const startsBefore = api.starts.length;
			const run = await runNode({ node: new RagIngestion(), parameters, staticData });
			expect(run.error).toBeUndefined();
			expect(run.outputs[0][0].json).toMatchObject({ source, status: 'succeeded' });
			const again = await runNode({ node: new RagIngestion(), parameters, staticData });
			expect(again.outputs[2][0].json).toMatchObject({ source, skipped: true, reason: 'duplicate' });
			expect(api.starts.length - startsBefore).toBe(1);
			expect(Object.getPrototypeOf(staticData)).toBe(Object.prototype);
		});
	});

	test('a start endpoint redirecting to another origin: not followed, the credential stays home', async () => {
		await tally.run('ingestion start cross-origin redirect', async () => {
			const before = b.seen.length;
			const run = await runNode({
				node: new RagIngestion(),
				parameters: params(a.url(`/redirect?code=307&to=${encodeURIComponent(b.url('/runs'))}`), { authentication: 'ragServiceApi', options: { startPath: '' } }),
				credentials: { ragServiceApi: { authType: 'apiKeyHeader', headerName: 'X-Api-Key', apiKey: TOKEN } } as never,
				continueOnFail: true,
			});
			expect(b.seen.length).toBe(before);
			expect(JSON.stringify(run.outputs)).toContain('answered HTTP 307');
			expect(tally.leaksIn(scan(JSON.stringify(run.run)))).toEqual([]);
		});
	});
}
