/**
 * The example ingestion API: the service the RAG Ingestion node starts runs
 * on, the one the RAG Freshness Check reads the manifest of, and the
 * ingestion API of every test, started directly with its test hooks (below).
 * One implementation, so the tests exercise what the docs tell users to build.
 *
 * It speaks the contract of nodes/RagIngestion/runApi.ts, documented in
 * docs/nodes/rag-ingestion.md ("What your ingestion API must do"):
 *   POST /runs {source, mode, metadata, idempotency_key} + header Idempotency-Key
 *     → 202 {run_id, status: "running", …}                       a new run
 *     → 202 the same run, header Idempotent-Replayed: true        the key was seen: no second run
 *     → 409 {error, run_id}                                       another run of that source is in progress
 *     → 422 {error, run_id}                                       the key was used with a different body
 *     → 400 {error}                                               not JSON, no source, header and body keys differ
 *   GET  /runs/:id → {run_id, status, started_at, finished_at, documents_processed, chunks_written, errors}
 *
 * Idempotency follows the IETF HTTPAPI Idempotency-Key draft and is enforced
 * by the database, not by JavaScript state: runs live in SQLite
 * (better-sqlite3) with UNIQUE(idempotency_key) and a partial unique index
 * allowing one running run per source. A start is one INSERT … ON CONFLICT DO
 * NOTHING followed by reading the key's row back, so any number of
 * concurrent identical starts — from one process or several sharing the file
 * — create exactly one run. Given `dataPath` the database is a file (WAL), so
 * a restarted service still knows every key; otherwise it is `:memory:`.
 *
 * Given `index` (the example stack does: Qdrant's `docs` collection and this
 * repository's docs/), a succeeding run first performs the pipeline of
 * docsIndexer.ts: chunk the corpus and replace the collection's points over
 * Qdrant's REST API; when Qdrant refuses, the run fails with that error and
 * nothing else changes. The pipeline's `good` / `bad` mode (a broken re-index
 * for demos and tests) is switched with `POST /admin/reindex-mode
 * {"mode": "good"|"bad"}` (GET reads it) or `setReindexMode()`; it applies to
 * the runs that finish after the switch. `rebuildIndex()` runs the pipeline
 * outside any run (how the stack seeds its collection).
 *
 * A successful run writes `<manifestDir>/latest.json` (the shape of
 * nodes/RagFreshnessCheck/manifest.ts), served at GET /manifests/latest.json
 * and /manifests/<name>/latest.json. Its counts are the pipeline's (files,
 * chunks written) unless a behaviour sets them; without `index`, fixed ones.
 *
 * It is also the tests' ingestion service (the only one: tests start it with
 * `startIngestionApi({defaultBehaviour, …})`). Test hooks, in memory, not
 * persisted: a run finishes on its `pollsUntilDone`-th status request (poll
 * counts, not time, so tests are deterministic); `behave(source, …)` sets a
 * source's outcome (`hang` never finishes), counts, or a status to refuse
 * starts with; `finish(source)` ends its running run; `backdateManifest()`
 * makes the manifest stale; `starts`, `replays`, `conflicts`, `mismatches`
 * and `statusRequests` record what the service was asked.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import Database from 'better-sqlite3';

import { indexDocs, REINDEX_MODES, type IndexResult, type ReindexMode } from './docsIndexer';
import type { QdrantTarget } from './qdrantRest';
import { readBody } from '../httpBody';

export type RunOutcome = 'succeed' | 'fail';
export type Outcome = RunOutcome | 'hang';

/** The backend's index config: the manifest and /healthz carry the same hash, so the drift check passes. */
export const CONFIG_HASH = 'sha256:ragops-example-index-v1';
export const SCHEMA_VERSION = 3;

/** The response header that marks an answer replayed for a known key (the name Stripe and others use). */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export interface SourceBehaviour {
	outcome: Outcome;
	/** Status answers of "running" before the outcome (default: the service's `pollsUntilDone`). */
	pollsUntilDone?: number;
	documents?: number;
	chunks?: number;
	/** Refuse every start of this source with this status (e.g. 500); nothing is recorded for the key. */
	startStatus?: number;
}

export interface IngestionApiOptions {
	port?: number;
	/** Where latest.json is written (created when missing); no manifest is written without it. */
	manifestDir?: string;
	/** SQLite file holding runs and keys (created when missing); `:memory:` when omitted. */
	dataPath?: string;
	/** Status requests answered "running" before a run finishes (default 1). */
	pollsUntilDone?: number;
	/** The behaviour of sources without their own (default: succeed). */
	defaultBehaviour?: SourceBehaviour;
	/**
	 * The pipeline a successful run performs: chunk the markdown under `docsDir` and replace
	 * the Qdrant collection's points with it (docsIndexer.ts). Without it a run only records
	 * itself and writes the manifest.
	 */
	index?: { qdrant: QdrantTarget; docsDir: string };
	/** How runs re-index (default `good`); `bad` is the broken re-index of the demo and tests. */
	reindexMode?: ReindexMode;
}

export interface IngestionRunView {
	run_id: string;
	source: string;
	mode: string;
	idempotency_key: string | null;
	status: 'running' | 'succeeded' | 'failed';
	started_at: string;
	finished_at: string | null;
	documents_processed: number;
	chunks_written: number;
	errors: string[];
}

export interface StartRequest {
	body: Record<string, unknown>;
	headers: IncomingHttpHeaders;
}

export interface IngestionApi {
	readonly url: string;
	readonly port: number;
	readonly manifestFile: string | undefined;
	/** Every run in the database, oldest first: the count that "exactly once" is about. */
	readonly runs: readonly IngestionRunView[];
	/** Start requests that created a run, in order. */
	readonly starts: readonly StartRequest[];
	/** Start requests answered with an earlier run of the same key (Idempotent-Replayed). */
	readonly replays: readonly StartRequest[];
	/** Start requests refused with 409 (another run of the source in progress). */
	readonly conflicts: readonly StartRequest[];
	/** Start requests refused with 422 (key reused with a different body). */
	readonly mismatches: readonly StartRequest[];
	readonly statusRequests: number;
	behave(source: string, behaviour: SourceBehaviour): void;
	setOutcome(source: string, outcome: RunOutcome): void;
	/** Ends any running run of `source` successfully (an operator, or a late finish); resolves once it is recorded. */
	finish(source: string): Promise<void>;
	/** Rewrites latest.json as if generated `ageSeconds` ago (creates it when no run succeeded yet). */
	backdateManifest(ageSeconds: number): void;
	/** How the next runs re-index (also `POST /admin/reindex-mode {"mode": "good"|"bad"}`). */
	readonly reindexMode: ReindexMode;
	setReindexMode(mode: ReindexMode): void;
	/** Runs the pipeline now, outside any run (no run row, no manifest): how the stack seeds its collection. */
	rebuildIndex(): Promise<IndexResult>;
	stop(): Promise<void>;
}

interface RunRow {
	seq: number;
	idempotency_key: string | null;
	fingerprint: string;
	source: string;
	mode: string;
	status: IngestionRunView['status'];
	started_at: string;
	finished_at: string | null;
	documents_processed: number;
	chunks_written: number;
	errors: string;
	polls: number;
}

/** What a successful run reports unless a behaviour says otherwise: fixed, so tests can assert the manifest's totals. */
const RUN_COUNTS = { documents: 12, chunks: 340 };
const FAILURE = 'embedding service returned 503 for 3 documents';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
	-- Not AUTOINCREMENT: that burns a number on every INSERT that hits a conflict; rows are never deleted.
	seq INTEGER PRIMARY KEY,
	idempotency_key TEXT UNIQUE,
	fingerprint TEXT NOT NULL,
	source TEXT NOT NULL,
	mode TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
	started_at TEXT NOT NULL,
	finished_at TEXT,
	documents_processed INTEGER NOT NULL DEFAULT 0,
	chunks_written INTEGER NOT NULL DEFAULT 0,
	errors TEXT NOT NULL DEFAULT '[]',
	polls INTEGER NOT NULL DEFAULT 0
);
-- One run of a source at a time: a second start while one runs is a 409, decided by the same INSERT.
CREATE UNIQUE INDEX IF NOT EXISTS one_running_run_per_source ON runs (source) WHERE status = 'running';
`;

const runIdOf = (seq: number) => `run-${seq}`;
const seqOf = (runId: string) => (/^run-(\d+)$/.exec(runId) ? Number(runId.slice(4)) : NaN);

function viewOf(row: RunRow): IngestionRunView {
	return {
		run_id: runIdOf(row.seq),
		source: row.source,
		mode: row.mode,
		idempotency_key: row.idempotency_key,
		status: row.status,
		started_at: row.started_at,
		finished_at: row.finished_at,
		documents_processed: row.documents_processed,
		chunks_written: row.chunks_written,
		errors: JSON.parse(row.errors) as string[],
	};
}

/** JSON with sorted keys, so the fingerprint does not depend on the sender's key order. */
function canonical(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
	if (value !== null && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** The request the key stands for: the whole body except the key itself (the draft's "request fingerprint"). */
function fingerprintOf(body: Record<string, unknown>): string {
	const { idempotency_key: _key, ...rest } = body;
	return createHash('sha256').update(canonical(rest)).digest('hex');
}

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(code, { 'content-type': 'application/json', ...headers });
	res.end(JSON.stringify(body));
}


function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
	const v = headers[name];
	const s = Array.isArray(v) ? v[0] : v;
	return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
}

export async function startIngestionApi(options: IngestionApiOptions = {}): Promise<IngestionApi> {
	if (options.manifestDir) mkdirSync(options.manifestDir, { recursive: true });
	const manifestFile = options.manifestDir ? join(options.manifestDir, 'latest.json') : undefined;
	const db = new Database(options.dataPath ?? ':memory:');
	// WAL: readers do not block the writer, and a crash leaves a consistent file; busy_timeout lets
	// another process sharing the file wait for the write lock instead of failing at once.
	db.pragma('journal_mode = WAL');
	db.pragma('busy_timeout = 5000');
	db.exec(SCHEMA);

	const insert = db.prepare(
		`INSERT INTO runs (idempotency_key, fingerprint, source, mode, status, started_at)
		 VALUES (?, ?, ?, ?, 'running', ?) ON CONFLICT DO NOTHING`,
	);
	const byKey = db.prepare('SELECT * FROM runs WHERE idempotency_key = ?');
	const bySeq = db.prepare('SELECT * FROM runs WHERE seq = ?');
	const runningOf = db.prepare("SELECT * FROM runs WHERE source = ? AND status = 'running'");
	const all = db.prepare('SELECT * FROM runs ORDER BY seq');
	const succeededBySource = db.prepare(
		"SELECT source, documents_processed, chunks_written FROM runs WHERE status = 'succeeded' AND seq IN (SELECT MAX(seq) FROM runs WHERE status = 'succeeded' GROUP BY source)",
	);
	const recordPoll = db.prepare('UPDATE runs SET polls = polls + 1 WHERE seq = ?');
	const complete = db.prepare(
		"UPDATE runs SET status = ?, finished_at = ?, documents_processed = ?, chunks_written = ?, errors = ? WHERE seq = ? AND status = 'running'",
	);

	const behaviours = new Map<string, SourceBehaviour>();
	const defaultBehaviour: SourceBehaviour = options.defaultBehaviour ?? { outcome: 'succeed' };
	const behaviourOf = (source: string) => behaviours.get(source) ?? defaultBehaviour;
	const starts: StartRequest[] = [];
	const replays: StartRequest[] = [];
	const conflicts: StartRequest[] = [];
	const mismatches: StartRequest[] = [];
	let statusRequests = 0;

	const writeManifest = (runId: string, generatedAt: Date) => {
		if (!manifestFile) return;
		const sources: Record<string, { document_count: number; chunk_count: number }> = {};
		for (const s of succeededBySource.all() as Array<{ source: string; documents_processed: number; chunks_written: number }>) {
			sources[s.source] = { document_count: s.documents_processed, chunk_count: s.chunks_written };
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

	let reindexMode: ReindexMode = options.reindexMode ?? 'good';
	// One pipeline at a time: two runs finishing together must not interleave their deletes and upserts.
	let indexing: Promise<unknown> = Promise.resolve();
	const rebuildIndex = (): Promise<IndexResult> => {
		const index = options.index;
		if (!index) return Promise.reject(new Error('this ingestion service has no index configured'));
		const next = indexing.then(() => indexDocs(index.qdrant, index.docsDir, reindexMode));
		indexing = next.catch(() => undefined);
		return next;
	};

	/**
	 * Ends a run. With an index configured a succeeding run first performs the pipeline (and fails,
	 * with the pipeline's error, when Qdrant refuses); without one this completes synchronously, as
	 * the tests' hooks expect. A run is finished once: concurrent polls share the same finish.
	 */
	const finishing = new Map<number, Promise<void>>();
	const finishRun = (row: RunRow, outcome: RunOutcome): Promise<void> => {
		const pending = finishing.get(row.seq);
		if (pending) return pending;
		const work = (async () => {
			const b = behaviourOf(row.source);
			let failed = outcome === 'fail';
			let errors = failed ? [FAILURE] : [];
			let counts = { documents: b.documents ?? RUN_COUNTS.documents, chunks: b.chunks ?? RUN_COUNTS.chunks };
			if (!failed && options.index) {
				try {
					const written = await rebuildIndex();
					counts = { documents: b.documents ?? written.documents, chunks: b.chunks ?? written.chunks };
				} catch (error) {
					failed = true;
					errors = [`writing the index to Qdrant failed: ${(error as Error).message}`];
				}
			}
			const changed = complete.run(
				failed ? 'failed' : 'succeeded',
				new Date().toISOString(),
				failed ? 0 : counts.documents,
				failed ? 0 : counts.chunks,
				JSON.stringify(errors),
				row.seq,
			).changes;
			// A failed run leaves the previous manifest alone: the index still holds the last good content.
			if (changed === 1 && !failed) writeManifest(runIdOf(row.seq), new Date());
		})().finally(() => finishing.delete(row.seq));
		finishing.set(row.seq, work);
		return work;
	};

	/**
	 * One start: the INSERT either creates the run or hits a unique constraint
	 * (the key, or the source's running run) and does nothing; reading the
	 * key's row back tells which. Runs synchronously inside one SQLite
	 * transaction, so nothing can interleave between the insert and the read.
	 */
	const startRun = db.transaction(
		(key: string | null, fingerprint: string, source: string, mode: string): { kind: 'created' | 'replayed' | 'mismatch' | 'busy'; row?: RunRow } => {
			const inserted = insert.run(key, fingerprint, source, mode, new Date().toISOString());
			if (inserted.changes === 1) return { kind: 'created', row: bySeq.get(inserted.lastInsertRowid) as RunRow };
			const existing = key === null ? undefined : (byKey.get(key) as RunRow | undefined);
			if (existing) return { kind: existing.fingerprint === fingerprint ? 'replayed' : 'mismatch', row: existing };
			return { kind: 'busy', row: runningOf.get(source) as RunRow | undefined };
		},
	);

	const handleStart = async (req: IncomingMessage, res: ServerResponse) => {
		let body: Record<string, unknown>;
		try {
			const parsed = JSON.parse(await readBody(req)) as unknown;
			if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
			body = parsed as Record<string, unknown>;
		} catch {
			return send(res, 400, { error: 'body is not a JSON object' });
		}
		const source = typeof body.source === 'string' ? body.source.trim() : '';
		if (!source) return send(res, 400, { error: 'source is required' });
		const headerKey = headerValue(req.headers, 'idempotency-key');
		const bodyKey = typeof body.idempotency_key === 'string' && body.idempotency_key !== '' ? body.idempotency_key : undefined;
		if (headerKey && bodyKey && headerKey !== bodyKey) {
			return send(res, 400, { error: 'the Idempotency-Key header and idempotency_key in the body differ' });
		}
		const request: StartRequest = { body, headers: req.headers };
		const refuse = behaviourOf(source).startStatus;
		// Refused before anything is recorded: a retry with the same key may still start the run.
		if (refuse) return send(res, refuse, { error: 'start refused' });
		const mode = typeof body.mode === 'string' ? body.mode : 'incremental';
		const result = startRun(headerKey ?? bodyKey ?? null, fingerprintOf(body), source, mode);
		switch (result.kind) {
			case 'created':
				starts.push(request);
				return send(res, 202, viewOf(result.row!));
			case 'replayed':
				// The draft's "same answer": the status the first request got, for the same run (in its current state).
				replays.push(request);
				return send(res, 202, viewOf(result.row!), { [REPLAYED_HEADER]: 'true' });
			case 'mismatch':
				mismatches.push(request);
				return send(res, 422, {
					error: 'this Idempotency-Key was already used with a different request body',
					run_id: runIdOf(result.row!.seq),
				});
			default:
				conflicts.push(request);
				return send(res, 409, {
					error: `a run of ${source} is in progress`,
					run_id: result.row ? runIdOf(result.row.seq) : null,
				});
		}
	};

	const handle = async (req: IncomingMessage, res: ServerResponse) => {
		const url = req.url ?? '/';
		if (req.method === 'GET' && url === '/healthz') {
			return send(res, 200, { status: 'healthy', index: { config_hash: CONFIG_HASH, schema_version: SCHEMA_VERSION } });
		}
		if (req.method === 'GET' && /^\/manifests(\/[a-z0-9-]+)?\/latest\.json$/.test(url)) {
			let manifest: Buffer;
			try {
				if (!manifestFile) throw new Error('no manifest dir');
				// Read before answering: a missing file must become a 404, not a 200 cut short.
				manifest = readFileSync(manifestFile);
			} catch {
				return send(res, 404, { error: 'no manifest yet: no ingestion run has succeeded' });
			}
			res.writeHead(200, { 'content-type': 'application/json' });
			return void res.end(manifest);
		}
		if (req.method === 'POST' && url === '/runs') return handleStart(req, res);
		// The demo's and the tests' switch for the next runs: a good or a broken re-index.
		if (url === '/admin/reindex-mode' && (req.method === 'POST' || req.method === 'GET')) {
			if (req.method === 'POST') {
				let mode: unknown;
				try {
					mode = (JSON.parse(await readBody(req)) as { mode?: unknown }).mode;
				} catch {
					mode = undefined;
				}
				if (!REINDEX_MODES.includes(mode as ReindexMode)) {
					return send(res, 400, { error: `mode must be one of ${REINDEX_MODES.map((m) => `"${m}"`).join(', ')}` });
				}
				reindexMode = mode as ReindexMode;
			}
			return send(res, 200, { mode: reindexMode });
		}
		const m = /^\/runs\/([^/?]+)$/.exec(url);
		if (req.method === 'GET' && m) {
			statusRequests++;
			const row = bySeq.get(seqOf(decodeURIComponent(m[1]))) as RunRow | undefined;
			if (!row) return send(res, 404, { error: 'no such run' });
			const b = behaviourOf(row.source);
			if (row.status === 'running' && b.outcome !== 'hang') {
				recordPoll.run(row.seq);
				if (row.polls + 1 > (b.pollsUntilDone ?? options.pollsUntilDone ?? 1)) await finishRun(row, b.outcome);
			}
			return send(res, 200, viewOf(bySeq.get(row.seq) as RunRow));
		}
		send(res, 404, { error: 'not found' });
	};

	const server: Server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', resolve);
	}).catch((error: unknown) => {
		db.close();
		throw error;
	});
	const port = (server.address() as AddressInfo).port;

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		manifestFile,
		get runs() {
			return (all.all() as RunRow[]).map(viewOf);
		},
		starts,
		replays,
		conflicts,
		mismatches,
		get statusRequests() {
			return statusRequests;
		},
		behave: (source, behaviour) => behaviours.set(source, behaviour),
		setOutcome: (source, outcome) => behaviours.set(source, { ...behaviourOf(source), outcome }),
		finish: async (source) => {
			const row = runningOf.get(source) as RunRow | undefined;
			if (row) await finishRun(row, 'succeed');
		},
		get reindexMode() {
			return reindexMode;
		},
		setReindexMode: (mode) => {
			if (!REINDEX_MODES.includes(mode)) throw new Error(`reindex mode must be one of ${REINDEX_MODES.join(', ')}`);
			reindexMode = mode;
		},
		rebuildIndex,
		backdateManifest: (ageSeconds) => {
			let runId = 'backdated';
			try {
				runId = String((JSON.parse(readFileSync(manifestFile ?? '', 'utf8')) as { run_id?: string }).run_id ?? runId);
			} catch {
				// no manifest yet: write one
			}
			writeManifest(runId, new Date(Date.now() - ageSeconds * 1000));
		},
		stop: async () => {
			// Runs being finished write to the database: let them end before it closes.
			await Promise.allSettled([...finishing.values(), indexing]);
			await new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => {
					db.close();
					resolve();
				});
			});
		},
	};
}
