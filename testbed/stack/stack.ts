/**
 * The example RAG stack in one call, wired like a real one around Qdrant:
 * - the Qdrant stand-in from test/support (collections, points and snapshot
 *   API held to Qdrant 1.19.0's source; there is no Qdrant binary on these
 *   machines), which holds the `docs` collection;
 * - the ingestion service (ingestionApi.ts): every successful run chunks this
 *   repository's docs/ and replaces the `docs` collection's points over
 *   Qdrant's REST API (docsIndexer.ts; `setReindexMode('bad')` or
 *   `POST /admin/reindex-mode {"mode":"bad"}` makes the next runs a broken
 *   re-index), then writes the freshness manifest;
 * - the RAG API (ragApi.ts), whose `/query` ranks what the `docs` collection
 *   holds now (qdrantCorpus.ts): a re-index or a snapshot restore changes the
 *   answers as it changes the collection.
 * At start the collection is seeded by one good pass of the ingestion
 * pipeline (no run recorded, no manifest written: the services look as if
 * nothing ran yet), so `/query` gives the good answers from the first request.
 * Everything listens on 127.0.0.1; `stop()` closes all of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantStandIn } from './qdrantStandIn';
import { startIngestionApi, type IngestionApi } from './ingestionApi';
import { startRagApi, type RagApi, type RagApiOptions } from './ragApi';

/** The collection the ingestion service fills and the RAG API searches. */
export const DOCS_COLLECTION = 'docs';
/** The corpus: this repository's docs/. */
export const DOCS_DIR = join(__dirname, '../../docs');

export interface StackOptions {
	/** 0 or omitted: a free port each. The Qdrant stand-in always takes a free port (its API has no port option). */
	ragApiPort?: number;
	ingestionPort?: number;
	/** Where the ingestion API writes latest.json; a temp dir (removed on stop) when omitted. */
	manifestDir?: string;
	/** SQLite file of the ingestion API's runs and idempotency keys (kept across restarts); in memory when omitted. */
	ingestionDataPath?: string;
	ragApi?: Omit<RagApiOptions, 'port'>;
	/** Collections the Qdrant stand-in has at start besides `docs`, which the seed ingestion creates and fills. */
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
		const qdrant = new QdrantStandIn({ collections: (options.collections ?? []).filter((c) => c !== DOCS_COLLECTION), apiKey: options.qdrantApiKey });
		await qdrant.start();
		started.push(() => qdrant.stop());
		const target = { url: qdrant.url, collection: DOCS_COLLECTION, apiKey: options.qdrantApiKey };
		const ingestion = (await startIngestionApi({
			port: options.ingestionPort ?? 0,
			manifestDir: options.manifestDir ?? ownDir!,
			dataPath: options.ingestionDataPath,
			index: { qdrant: target, docsDir: DOCS_DIR },
		})) as ExampleStack['ingestion'];
		started.push(() => ingestion.stop());
		await ingestion.rebuildIndex();
		const ragApi = await startRagApi({ ...options.ragApi, qdrant: options.ragApi?.corpus ? undefined : target, port: options.ragApiPort ?? 0 });
		started.push(() => ragApi.stop());
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
