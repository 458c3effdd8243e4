/**
 * Local HTTP servers on 127.0.0.1 (ephemeral ports) that answer like the
 * services the RAG Health Check probes — healthy and unhealthy — and like the
 * broken ones it must survive (slow, 503, malformed JSON, huge, hanging,
 * trickling garbage, flapping). Every test starts its own server and stops it;
 * `stop()` also destroys open sockets so a hanging route cannot keep jest alive.
 *
 * Answer shapes follow the documents of the real services:
 * - IETF "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check-06):
 *   `application/health+json`, `status` pass/warn/fail, `checks` keyed "component:measurement".
 * - Qdrant REST API (api.qdrant.tech): `GET /readyz` → 200 "all shards are ready";
 *   `GET /collections/{name}` → `{"result":{"status":"green",...,"points_count":N},"status":"ok","time":s}`,
 *   404 `{"status":{"error":"Not found: Collection `x` doesn't exist!"},"time":s}` for an unknown one.
 * - Chroma v2 API: `GET /api/v2/heartbeat` → `{"nanosecond heartbeat": N}`.
 * - n8n: `GET /healthz/readiness` → 200 `{"status":"ok"}` (503 when the DB is not ready).
 * - Prometheus / Alertmanager: `GET /-/ready` → 200 text; Loki: `GET /ready` → 200 "ready".
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export type ComponentsState = 'healthy' | 'degraded' | 'unhealthy';
export type QdrantColour = 'green' | 'yellow' | 'red' | 'grey';

export interface RecordedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
}

export interface HealthServerState {
	/** `/toggle` answers 503 while true. */
	down: boolean;
	/** `/toggle` answers after this many ms (a target slower than the check interval). */
	toggleDelayMs: number;
	/** Requests seen by `/flap` (even → 200, odd → 503). */
	flapCount: number;
	/** Status of the Qdrant collection `docs`. */
	qdrantStatus: QdrantColour;
	qdrantPoints: number;
	/** Answer of the components-shape `/healthz` route. */
	componentsState: ComponentsState;
	/** Credentials `/secure` accepts (any one of them). */
	bearerToken: string;
	apiKeyHeader: string;
	apiKey: string;
	basicUser: string;
	basicPassword: string;
}

export interface HealthServer {
	baseUrl: string;
	port: number;
	url(path: string): string;
	state: HealthServerState;
	requests: RecordedRequest[];
	/** Requests seen for one path (without query). */
	count(path: string): number;
	/** Most `/slow` requests in flight at once (proves checks run concurrently, without timing). */
	peakInFlight(): number;
	resetPeak(): void;
	stop(): Promise<void>;
}

const IETF_PASS = {
	status: 'pass',
	version: '1',
	releaseId: '1.4.2',
	serviceId: 'rag-api',
	description: 'RAG API',
	checks: {
		'qdrant:responseTime': [
			{ componentId: 'qdrant-1', componentType: 'datastore', observedValue: 4, observedUnit: 'ms', status: 'pass', time: '2026-11-26T20:00:00Z' },
		],
		'llm:reachability': [{ componentType: 'system', status: 'pass' }],
	},
};

const IETF_WARN = {
	status: 'warn',
	checks: {
		'qdrant:responseTime': [{ componentType: 'datastore', observedValue: 950, observedUnit: 'ms', status: 'warn', output: 'slow' }],
		'llm:reachability': [{ componentType: 'system', status: 'pass' }],
	},
};

const IETF_FAIL = {
	status: 'fail',
	checks: {
		'qdrant:connections': [{ componentType: 'datastore', status: 'fail', output: 'connection refused' }],
		'llm:reachability': [{ componentType: 'system', status: 'pass' }],
	},
};

function componentsBody(state: ComponentsState): object {
	return {
		status: state,
		version: '2.3.0',
		components: {
			vector_store: { status: state === 'unhealthy' ? 'unhealthy' : 'healthy', latency_ms: 3 },
			embedder: { status: state === 'healthy' ? 'healthy' : 'degraded', detail: state === 'healthy' ? undefined : 'fallback model' },
			reranker: 'healthy',
		},
	};
}

function json(res: http.ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
	res.end(text);
}

function text(res: http.ServerResponse, status: number, body: string): void {
	res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
	res.end(body);
}

/** Writes `total` bytes of JSON-looking filler, honouring backpressure, until done or the client leaves. */
function writeHuge(res: http.ServerResponse, total: number): void {
	res.writeHead(200, { 'content-type': 'application/json' });
	const chunk = Buffer.alloc(64 * 1024, 'a');
	let sent = 0;
	const pump = (): void => {
		while (sent < total && !res.destroyed) {
			const size = Math.min(chunk.length, total - sent);
			sent += size;
			if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
				res.once('drain', pump);
				return;
			}
		}
		if (!res.destroyed) res.end();
	};
	res.write('{"status":"pass","padding":"');
	pump();
}

function authorised(req: http.IncomingMessage, state: HealthServerState): boolean {
	const auth = req.headers.authorization ?? '';
	if (auth === `Bearer ${state.bearerToken}`) return true;
	if (auth === `Basic ${Buffer.from(`${state.basicUser}:${state.basicPassword}`).toString('base64')}`) return true;
	return req.headers[state.apiKeyHeader.toLowerCase()] === state.apiKey;
}

export async function startHealthServer(overrides: Partial<HealthServerState> = {}): Promise<HealthServer> {
	const state: HealthServerState = {
		down: false,
		flapCount: 0,
		toggleDelayMs: 0,
		qdrantStatus: 'green',
		qdrantPoints: 1234,
		componentsState: 'healthy',
		bearerToken: 'test-token',
		apiKeyHeader: 'api-key',
		apiKey: 'test-key',
		basicUser: 'ops',
		basicPassword: 's3cret',
		...overrides,
	};
	const requests: RecordedRequest[] = [];
	const sockets = new Set<net.Socket>();
	const timers = new Set<NodeJS.Timeout>();
	let inFlight = 0;
	let peak = 0;
	const barrier: Array<() => void> = [];

	const server = http.createServer((req, res) => {
		const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = parsed.pathname;
		requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
		const q = (name: string, fallback: number): number => Number(parsed.searchParams.get(name) ?? fallback);

		switch (path) {
			case '/health':
			case '/health/pass':
				return json(res, 200, IETF_PASS, 'application/health+json');
			case '/health/warn':
				return json(res, 200, IETF_WARN, 'application/health+json');
			case '/health/fail':
				return json(res, 503, IETF_FAIL, 'application/health+json');
			case '/healthz':
				return json(res, state.componentsState === 'unhealthy' ? 503 : 200, componentsBody(state.componentsState));
			case '/slow': {
				inFlight++;
				peak = Math.max(peak, inFlight);
				// In flight until answered or the client gave up (a timed-out probe).
				let open = true;
				const finish = () => {
					if (open) inFlight--;
					open = false;
					clearTimeout(timer);
					timers.delete(timer);
				};
				const timer = setTimeout(() => {
					finish();
					json(res, 200, { status: 'pass' }, 'application/health+json');
				}, q('ms', 300));
				timers.add(timer);
				res.on('close', finish);
				return;
			}
			case '/barrier': {
				// Holds every request until `n` are waiting here at once, then answers
				// them all: proof of concurrency that does not depend on timing. After
				// `max` ms it gives up and answers anyway (peakInFlight then shows fewer).
				inFlight++;
				peak = Math.max(peak, inFlight);
				const n = q('n', 2);
				const release = () => {
					const waiting = barrier.splice(0);
					for (const answer of waiting) answer();
				};
				let open = true;
				const answer = () => {
					if (!open) return;
					open = false;
					inFlight--;
					clearTimeout(timer);
					timers.delete(timer);
					json(res, 200, { status: 'pass' }, 'application/health+json');
				};
				const timer = setTimeout(release, q('max', 10000));
				timers.add(timer);
				res.on('close', () => {
					if (open) inFlight--;
					open = false;
				});
				barrier.push(answer);
				if (barrier.length >= n) release();
				return;
			}
			case '/status': {
				const code = q('code', 503);
				return text(res, code, `status ${code}`);
			}
			case '/malformed':
				res.writeHead(200, { 'content-type': 'application/health+json' });
				return void res.end('{"status": "pass", "checks": {');
			case '/huge':
				return writeHuge(res, q('bytes', 50 * 1024 * 1024));
			case '/hang':
				// Never answer; the socket stays open until stop().
				return;
			case '/trickle': {
				// Headers at once, then one byte of garbage every 20 ms, forever.
				res.writeHead(200, { 'content-type': 'application/json' });
				const timer = setInterval(() => {
					if (res.destroyed) {
						clearInterval(timer);
						timers.delete(timer);
						return;
					}
					res.write(String.fromCharCode(33 + Math.floor(Math.random() * 90)));
				}, 20);
				timers.add(timer);
				return;
			}
			case '/flap': {
				const up = state.flapCount++ % 2 === 0;
				return json(res, up ? 200 : 503, { status: up ? 'pass' : 'fail' }, 'application/health+json');
			}
			case '/toggle': {
				const answer = () => json(res, state.down ? 503 : 200, { status: state.down ? 'fail' : 'pass' }, 'application/health+json');
				if (state.toggleDelayMs <= 0) return answer();
				const timer = setTimeout(() => {
					timers.delete(timer);
					answer();
				}, state.toggleDelayMs);
				timers.add(timer);
				return;
			}
			case '/secure':
				if (!authorised(req, state)) return json(res, 401, { error: 'unauthorised' });
				return json(res, 200, { status: 'pass' }, 'application/health+json');
			case '/readyz':
				return text(res, 200, 'all shards are ready');
			case '/api/v2/heartbeat':
				res.writeHead(200, { 'content-type': 'application/json' });
				return void res.end('{"nanosecond heartbeat": 1764187200123456789}');
			case '/healthz/readiness':
				return json(res, state.down ? 503 : 200, { status: state.down ? 'error' : 'ok' });
			case '/-/ready':
				return text(res, 200, 'Prometheus Server is Ready.\n');
			case '/ready':
				return text(res, 200, 'ready\n');
			case '/stamp':
				// A freshness-style document: `updated_at` is `age` seconds old.
				return json(res, 200, {
					status: 'pass',
					updated_at: new Date(Date.now() - q('age', 0) * 1000).toISOString(),
					updated_unix: Math.floor(Date.now() / 1000) - q('age', 0),
					items: [1, 2, 3],
					version: 'v2.3.0',
				});
		}
		const collection = /^\/collections\/([^/]+)$/.exec(path);
		if (collection) {
			if (collection[1] !== 'docs') {
				return json(res, 404, { status: { error: `Not found: Collection \`${collection[1]}\` doesn't exist!` }, time: 0.000012 });
			}
			return json(res, 200, {
				result: {
					status: state.qdrantStatus,
					optimizer_status: 'ok',
					indexed_vectors_count: state.qdrantPoints,
					points_count: state.qdrantPoints,
					segments_count: 2,
					config: {
						params: { vectors: { size: 384, distance: 'Cosine' }, shard_number: 1, replication_factor: 1 },
						hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
						optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0 },
					},
					payload_schema: {},
				},
				status: 'ok',
				time: 0.000021,
			});
		}
		return text(res, 404, 'not found');
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	const baseUrl = `http://127.0.0.1:${port}`;
	return {
		baseUrl,
		port,
		url: (path: string) => `${baseUrl}${path}`,
		state,
		requests,
		count: (path: string) => requests.filter((r) => r.path === path).length,
		peakInFlight: () => peak,
		resetPeak: () => {
			peak = 0;
		},
		stop: async () => {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export interface TcpServer {
	port: number;
	url(path?: string): string;
	stop(): Promise<void>;
}

/** A TCP server that answers any connection with bytes that are not HTTP, then closes. */
export async function startGarbageTcpServer(): Promise<TcpServer> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.end(Buffer.from('\x00\x01garbage that is not HTTP\r\n\r\n\xff\xfe', 'binary'));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		port,
		url: (path = '/') => `http://127.0.0.1:${port}${path}`,
		stop: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A port on 127.0.0.1 where nothing listens (bound then released). */
export async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
