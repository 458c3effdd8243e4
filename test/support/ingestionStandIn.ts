/**
 * A stand-in for an ingestion API, following the contract in
 * docs/nodes/rag-ingestion.md (and nodes/RagIngestion/runApi.ts):
 *   POST /runs {source, mode, metadata, idempotency_key}  → 202 {run_id, status: "running", started_at}
 *                                                         → 409 {error, run_id} while a run of that source is in progress
 *   GET  /runs/:id → {run_id, status, started_at, finished_at, documents_processed, chunks_written, errors}
 * Outcomes per source are driven by poll counts, not time: a run answers
 * "running" for `pollsUntilDone` status requests, then succeeds or fails;
 * `hang` never finishes. Listens on 127.0.0.1, an ephemeral port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Outcome = 'succeed' | 'fail' | 'hang';

export interface SourceBehaviour {
	outcome: Outcome;
	/** Status answers of "running" before the outcome (default 1). */
	pollsUntilDone?: number;
	documents?: number;
	chunks?: number;
	/** Answer the start request with this status instead (e.g. 500). */
	startStatus?: number;
}

export interface StartRequest {
	body: Record<string, unknown>;
	headers: Record<string, string | string[] | undefined>;
}

interface Run {
	id: string;
	source: string;
	polls: number;
	startedAt: string;
	finishedAt?: string;
	status: 'running' | 'succeeded' | 'failed';
}

export interface IngestionStandIn {
	url: string;
	/** Every accepted start (a run was created). */
	starts: StartRequest[];
	/** Start requests refused with 409. */
	conflicts: StartRequest[];
	statusRequests: number;
	behave(source: string, behaviour: SourceBehaviour): void;
	/** Finishes any running run of `source` (to simulate an operator or a late finish). */
	finish(source: string): void;
	stop(): Promise<void>;
}

export async function startIngestionStandIn(defaultBehaviour: SourceBehaviour = { outcome: 'succeed' }): Promise<IngestionStandIn> {
	const behaviours = new Map<string, SourceBehaviour>();
	const runs = new Map<string, Run>();
	const starts: StartRequest[] = [];
	const conflicts: StartRequest[] = [];
	let statusRequests = 0;
	let counter = 0;

	const view = (run: Run) => {
		const b = behaviours.get(run.source) ?? defaultBehaviour;
		return {
			run_id: run.id,
			source: run.source,
			status: run.status,
			started_at: run.startedAt,
			finished_at: run.finishedAt ?? null,
			documents_processed: run.status === 'succeeded' ? (b.documents ?? 12) : 0,
			chunks_written: run.status === 'succeeded' ? (b.chunks ?? 340) : 0,
			errors: run.status === 'failed' ? ['embedding service returned 503 for 3 documents'] : [],
		};
	};

	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const send = (code: number, body: unknown) => {
				res.statusCode = code;
				res.setHeader('content-type', 'application/json');
				res.end(JSON.stringify(body));
			};
			const url = req.url ?? '';
			if (req.method === 'POST' && url === '/runs') {
				let body: Record<string, unknown>;
				try {
					body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
				} catch {
					return send(400, { error: 'body is not JSON' });
				}
				const source = typeof body.source === 'string' ? body.source : '';
				if (!source) return send(422, { error: 'source is required' });
				const request = { body, headers: req.headers };
				const b = behaviours.get(source) ?? defaultBehaviour;
				if (b.startStatus) return send(b.startStatus, { error: 'start refused' });
				const running = [...runs.values()].find((r) => r.source === source && r.status === 'running');
				if (running) {
					conflicts.push(request);
					return send(409, { error: `a run of ${source} is in progress`, run_id: running.id });
				}
				starts.push(request);
				const run: Run = { id: `run-${++counter}`, source, polls: 0, startedAt: new Date().toISOString(), status: 'running' };
				runs.set(run.id, run);
				return send(202, view(run));
			}
			const m = /^\/runs\/([^/?]+)$/.exec(url);
			if (req.method === 'GET' && m) {
				statusRequests++;
				const run = runs.get(decodeURIComponent(m[1]));
				if (!run) return send(404, { error: 'no such run' });
				const b = behaviours.get(run.source) ?? defaultBehaviour;
				if (run.status === 'running' && b.outcome !== 'hang') {
					run.polls++;
					if (run.polls > (b.pollsUntilDone ?? 1)) {
						run.status = b.outcome === 'succeed' ? 'succeeded' : 'failed';
						run.finishedAt = new Date().toISOString();
					}
				}
				return send(200, view(run));
			}
			send(404, { error: 'not found' });
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		starts,
		conflicts,
		get statusRequests() {
			return statusRequests;
		},
		behave: (source, behaviour) => behaviours.set(source, behaviour),
		finish: (source) => {
			for (const run of runs.values()) {
				if (run.source === source && run.status === 'running') {
					run.status = 'succeeded';
					run.finishedAt = new Date().toISOString();
				}
			}
		},
		stop: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
