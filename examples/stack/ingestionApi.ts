/**
 * The example ingestion API of the demo stack: the service the RAG Ingestion
 * node starts runs on and the RAG Freshness Check reads the manifest of.
 *
 * It speaks the contract of nodes/RagIngestion/runApi.ts (documented in
 * docs/nodes/rag-ingestion.md), the same one test/support/ingestionStandIn.ts
 * follows:
 *   POST /runs {source, mode, metadata, idempotency_key} → 202 {run_id, status: "running", started_at}
 *                                                        → 409 {error, run_id} while a run of that source runs
 *   GET  /runs/:id → {run_id, status, started_at, finished_at, documents_processed, chunks_written, errors}
 * The stand-in is not reused because it has no hook at the end of a run, and
 * writing the freshness manifest there is the point of this service: a
 * successful run writes `<manifestDir>/latest.json` (the shape of
 * nodes/RagFreshnessCheck/manifest.ts), served at GET /manifests/latest.json
 * and /manifests/<name>/latest.json (the path workflows/ uses; one index, one manifest).
 *
 * A run finishes on its `pollsUntilDone`-th status request (poll counts, not
 * time, so tests are deterministic); `setOutcome(source, 'fail')` makes the
 * next runs of a source fail, `backdateManifest()` makes the manifest stale.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type RunOutcome = 'succeed' | 'fail';

/** The backend's index config: the manifest and /healthz carry the same hash, so the drift check passes. */
export const CONFIG_HASH = 'sha256:ragops-example-index-v1';
export const SCHEMA_VERSION = 3;

export interface IngestionApiOptions {
	port?: number;
	/** Where latest.json is written (created when missing). */
	manifestDir: string;
	/** Status requests answered "running" before a run finishes (default 1). */
	pollsUntilDone?: number;
}

export interface IngestionRunView {
	run_id: string;
	source: string;
	status: 'running' | 'succeeded' | 'failed';
	started_at: string;
	finished_at: string | null;
	documents_processed: number;
	chunks_written: number;
	errors: string[];
}

export interface IngestionApi {
	readonly url: string;
	readonly port: number;
	readonly manifestFile: string;
	/** Every run started, oldest first. */
	readonly runs: readonly IngestionRunView[];
	setOutcome(source: string, outcome: RunOutcome): void;
	/** Rewrites latest.json as if generated `ageSeconds` ago (creates it when no run succeeded yet). */
	backdateManifest(ageSeconds: number): void;
	stop(): Promise<void>;
}

interface Run {
	view: IngestionRunView;
	polls: number;
}

/** What every successful run reports: fixed, so tests can assert the manifest's totals. */
const RUN_COUNTS = { documents: 12, chunks: 340 };

function send(res: ServerResponse, code: number, body: unknown): void {
	res.writeHead(code, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

export async function startIngestionApi(options: IngestionApiOptions): Promise<IngestionApi> {
	mkdirSync(options.manifestDir, { recursive: true });
	const manifestFile = join(options.manifestDir, 'latest.json');
	const outcomes = new Map<string, RunOutcome>();
	const runs = new Map<string, Run>();
	let counter = 0;

	const writeManifest = (runId: string, generatedAt: Date) => {
		const sources: Record<string, { document_count: number; chunk_count: number }> = {};
		for (const run of runs.values()) {
			if (run.view.status === 'succeeded') {
				sources[run.view.source] = { document_count: run.view.documents_processed, chunk_count: run.view.chunks_written };
			}
		}
		const totals = Object.values(sources);
		const manifest = {
			schema_version: SCHEMA_VERSION,
			generated_at: generatedAt.toISOString(),
			run_id: runId,
			config_hash: CONFIG_HASH,
			document_count: totals.reduce((n, s) => n + s.document_count, 0),
			chunk_count: totals.reduce((n, s) => n + s.chunk_count, 0),
			sources,
		};
		// Write-then-rename would be the production way; a single small write is atomic enough for a demo.
		writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	};

	const finish = (run: Run) => {
		const failed = (outcomes.get(run.view.source) ?? 'succeed') === 'fail';
		const counts = RUN_COUNTS;
		run.view.status = failed ? 'failed' : 'succeeded';
		run.view.finished_at = new Date().toISOString();
		run.view.documents_processed = failed ? 0 : counts.documents;
		run.view.chunks_written = failed ? 0 : counts.chunks;
		run.view.errors = failed ? ['embedding service returned 503 for 3 documents'] : [];
		// A failed run leaves the previous manifest alone: the index still holds the last good content.
		if (!failed) writeManifest(run.view.run_id, new Date());
	};

	const handle = async (req: IncomingMessage, res: ServerResponse) => {
		const url = req.url ?? '/';
		if (req.method === 'GET' && url === '/healthz') {
			return send(res, 200, { status: 'healthy', index: { config_hash: CONFIG_HASH, schema_version: SCHEMA_VERSION } });
		}
		if (req.method === 'GET' && /^\/manifests(\/[a-z0-9-]+)?\/latest\.json$/.test(url)) {
			try {
				res.writeHead(200, { 'content-type': 'application/json' });
				return void res.end(readFileSync(manifestFile));
			} catch {
				return send(res, 404, { error: 'no manifest yet: no ingestion run has succeeded' });
			}
		}
		if (req.method === 'POST' && url === '/runs') {
			let body: Record<string, unknown>;
			try {
				body = JSON.parse(await readBody(req)) as Record<string, unknown>;
			} catch {
				return send(res, 400, { error: 'body is not JSON' });
			}
			const source = typeof body.source === 'string' ? body.source : '';
			if (!source) return send(res, 422, { error: 'source is required' });
			const running = [...runs.values()].find((r) => r.view.source === source && r.view.status === 'running');
			if (running) return send(res, 409, { error: `a run of ${source} is in progress`, run_id: running.view.run_id });
			const view: IngestionRunView = {
				run_id: `run-${++counter}`,
				source,
				status: 'running',
				started_at: new Date().toISOString(),
				finished_at: null,
				documents_processed: 0,
				chunks_written: 0,
				errors: [],
			};
			runs.set(view.run_id, { view, polls: 0 });
			return send(res, 202, view);
		}
		const m = /^\/runs\/([^/?]+)$/.exec(url);
		if (req.method === 'GET' && m) {
			const run = runs.get(decodeURIComponent(m[1]));
			if (!run) return send(res, 404, { error: 'no such run' });
			if (run.view.status === 'running' && ++run.polls > (options.pollsUntilDone ?? 1)) finish(run);
			return send(res, 200, run.view);
		}
		send(res, 404, { error: 'not found' });
	};

	const server: Server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', resolve);
	});
	const port = (server.address() as AddressInfo).port;

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		manifestFile,
		get runs() {
			return [...runs.values()].map((r) => r.view);
		},
		setOutcome: (source, outcome) => outcomes.set(source, outcome),
		backdateManifest: (ageSeconds) => {
			let runId = 'backdated';
			try {
				runId = String((JSON.parse(readFileSync(manifestFile, 'utf8')) as { run_id?: string }).run_id ?? runId);
			} catch {
				// no manifest yet: write one
			}
			writeManifest(runId, new Date(Date.now() - ageSeconds * 1000));
		},
		stop: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
