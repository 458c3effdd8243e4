/**
 * The example RAG stack in one call: the RAG API (searching this
 * repository's docs/ with the full-text index of docsSearch.ts), the ingestion API (which
 * writes the freshness manifest) and the Qdrant snapshot-API stand-in from
 * test/support (it follows Qdrant's documented snapshot API field for field;
 * there is no Qdrant binary on these machines). Everything listens on
 * 127.0.0.1; `stop()` closes all of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantStandIn } from '../../test/support/qdrantStandIn';
import { buildIndex, readDocs } from './docsSearch';
import { startIngestionApi, type IngestionApi } from './ingestionApi';
import { startRagApi, type RagApi, type RagApiOptions } from './ragApi';

export interface StackOptions {
	/** 0 or omitted: a free port each. The Qdrant stand-in always takes a free port (its API has no port option). */
	ragApiPort?: number;
	ingestionPort?: number;
	/** Where the ingestion API writes latest.json; a temp dir (removed on stop) when omitted. */
	manifestDir?: string;
	/** SQLite file of the ingestion API's runs and idempotency keys (kept across restarts); in memory when omitted. */
	ingestionDataPath?: string;
	ragApi?: Omit<RagApiOptions, 'port'>;
	/** Collections the Qdrant stand-in has at start (default ["docs"]). */
	collections?: string[];
	qdrantApiKey?: string;
}

export interface ExampleStack {
	ragApi: RagApi;
	/** Always started with a manifest directory. */
	ingestion: IngestionApi & { readonly manifestFile: string };
	qdrant: QdrantStandIn;
	urls: { ragApi: string; ragApiHealth: string; ragApiMetrics: string; ingestion: string; manifest: string; qdrant: string };
	stop(): Promise<void>;
}

export async function startExampleStack(options: StackOptions = {}): Promise<ExampleStack> {
	const ownDir = options.manifestDir ? undefined : mkdtempSync(join(tmpdir(), 'ragops-manifest-'));
	const started: Array<() => Promise<void>> = [];
	const stop = async () => {
		// Reverse order, and keep going when one fails: nothing may be left listening.
		for (const s of started.reverse()) await s().catch(() => undefined);
		if (ownDir) rmSync(ownDir, { recursive: true, force: true });
	};
	try {
		const corpus = options.ragApi?.corpus ?? buildIndex(readDocs(join(__dirname, '..', '..', 'docs')));
		const ragApi = await startRagApi({ ...options.ragApi, corpus, port: options.ragApiPort ?? 0 });
		started.push(() => ragApi.stop());
		const ingestion = (await startIngestionApi({
			port: options.ingestionPort ?? 0,
			manifestDir: options.manifestDir ?? ownDir!,
			dataPath: options.ingestionDataPath,
		})) as ExampleStack['ingestion'];
		started.push(() => ingestion.stop());
		const qdrant = new QdrantStandIn({ collections: options.collections ?? ['docs'], apiKey: options.qdrantApiKey });
		await qdrant.start();
		started.push(() => qdrant.stop());
		serveQdrantProbes(qdrant);
		return {
			ragApi,
			ingestion,
			qdrant,
			urls: {
				ragApi: ragApi.url,
				ragApiHealth: `${ragApi.url}/healthz`,
				ragApiMetrics: `${ragApi.url}/metrics`,
				ingestion: ingestion.url,
				manifest: `${ingestion.url}/manifests/docs/latest.json`,
				qdrant: qdrant.url,
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * Qdrant's Kubernetes probes (`/healthz`, `/livez`, `/readyz`: 200 with a
 * short text, no API key needed — qdrant.tech/documentation/guides/monitoring)
 * are not part of the snapshot-API stand-in, but the health watch's `qdrant`
 * preset probes `/readyz`. Answered here, in front of the stand-in's own
 * handler, rather than editing the shared stand-in.
 */
function serveQdrantProbes(qdrant: QdrantStandIn): void {
	const server = (qdrant as unknown as { server?: Server }).server;
	if (!server) return;
	const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
	server.removeAllListeners('request');
	server.on('request', (req: IncomingMessage, res: ServerResponse) => {
		const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
		if (req.method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(path)) {
			res.writeHead(200, { 'content-type': 'text/plain' });
			res.end(path === '/readyz' ? 'all shards are ready' : `${path.slice(1)} check passed`);
			return;
		}
		for (const handle of handlers) handle.call(server, req, res);
	});
}
