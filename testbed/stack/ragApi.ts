/**
 * The example RAG API of the demo stack: the smallest service that looks,
 * from the outside, like a real RAG API to everything this project generates.
 *
 * - `GET /healthz` answers the `{status: healthy|degraded|unhealthy, components}`
 *   shape the RAG Health Check's `ragApi` preset reads (503 when unhealthy);
 * - `GET /metrics` is a prom-client registry with the metric names the
 *   generated rules and dashboards query for a rag-api service with the
 *   config's defaults (gen/config/schema.ts, gen/catalog.ts): the request
 *   counter with status-code and route labels, and the latency histogram with
 *   a bucket at the SLO threshold (the latency SLO reads `le=<threshold>`);
 * - `POST /query` `{"question", "k"}` answers `{"question", "documents": [{id,
 *   score, text}]}` and records both metrics: the top k (default 5) of a real
 *   full-text search (docsSearch.ts's BM25) over what a Qdrant collection holds
 *   now (`qdrant`: the stack passes its `docs` collection, which the ingestion
 *   service fills; see qdrantCorpus.ts for how the index follows the collection),
 *   or over a fixed index (`corpus`), or a canned result when neither is given.
 *   When Qdrant cannot be read, `/query` answers 503 (counted like any 5xx);
 * - `GET /v1/auth/check` checks the bearer token (`apiToken`, default
 *   `example-rag-token`): 200 `{authenticated: true}` with it, 401 without or
 *   with another one. It is what a *RagOps Service API* credential's Test URL
 *   should point at: `/healthz` is public, so it passes with any token;
 * - `setFailing(true)` makes `/healthz` unhealthy and `/query` answer 503, so a
 *   demo or test can break the service without stopping it (over HTTP:
 *   `POST /admin/fail`, `POST /admin/recover`); `stop()`/`start()`
 *   take it off the network and back on the same port.
 *
 * Each instance has its own prom-client Registry, so two stacks in one
 * process (tests) do not share counters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { DocsIndex } from './docsSearch';
import { qdrantCorpus } from './qdrantCorpus';
import type { QdrantTarget } from './qdrantRest';
import { readBody } from '../httpBody';

export interface RagApiMetricNames {
	requestsTotal: string;
	statusLabel: string;
	latencyHistogram: string;
	routeLabel: string;
}

/** The schema's defaults for `services[].metrics` (gen/config/schema.ts). */
export const DEFAULT_METRIC_NAMES: RagApiMetricNames = {
	requestsTotal: 'http_requests_total',
	statusLabel: 'status_code',
	latencyHistogram: 'http_request_duration_seconds',
	routeLabel: 'route',
};

/** Bucket bounds in seconds; 1 is the shipped config's latency SLO threshold and must stay a bound. */
export const DEFAULT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface RagApiOptions {
	/** Port on 127.0.0.1; 0 picks a free one. */
	port?: number;
	metricNames?: Partial<RagApiMetricNames>;
	/** Latency SLO threshold (seconds) that must be a histogram bucket; added when missing. */
	sloThreshold?: number;
	/** Also expose prom-client's process/nodejs default metrics (what a real service would). */
	defaultMetrics?: boolean;
	/** The Qdrant collection `/query` searches (its points' payloads `{doc_id, heading, text}`); wins over `corpus`. */
	qdrant?: QdrantTarget;
	/** A fixed index `/query` searches; without it and `qdrant`, `/query` answers a canned result. */
	corpus?: DocsIndex;
	/** Bearer token `GET /v1/auth/check` accepts (default `example-rag-token`). */
	apiToken?: string;
}

export interface RagApi {
	readonly url: string;
	readonly port: number;
	readonly registry: Registry;
	readonly failing: boolean;
	setFailing(failing: boolean): void;
	/** Closes the listener and every open connection: the service is gone from the network. */
	stop(): Promise<void>;
	/** Listens again on the same port after `stop()`. */
	start(): Promise<void>;
}

const DOCS = [
	{ id: 'runbooks#ragapidown', score: 0.91, text: 'When the RAG API is down, check its health endpoint first.' },
	{ id: 'demo#stack', score: 0.84, text: 'npm run demo starts the example stack on 127.0.0.1.' },
];

function send(res: ServerResponse, code: number, body: unknown, type = 'application/json'): void {
	res.writeHead(code, { 'content-type': type });
	res.end(typeof body === 'string' ? body : JSON.stringify(body));
}


export async function startRagApi(options: RagApiOptions = {}): Promise<RagApi> {
	const names = { ...DEFAULT_METRIC_NAMES, ...options.metricNames };
	const buckets = [...DEFAULT_BUCKETS];
	if (options.sloThreshold !== undefined && !buckets.includes(options.sloThreshold)) buckets.push(options.sloThreshold);
	buckets.sort((a, b) => a - b);

	const registry = new Registry();
	if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
	const requests = new Counter({
		name: names.requestsTotal,
		help: 'HTTP requests served, by route and status code.',
		labelNames: [names.routeLabel, names.statusLabel],
		registers: [registry],
	});
	const latency = new Histogram({
		name: names.latencyHistogram,
		help: 'HTTP request latency in seconds, by route.',
		labelNames: [names.routeLabel],
		buckets,
		registers: [registry],
	});
	// Zero-valued series from the start: rate() over a counter that appears
	// only with the first request misses that request, and dashboards show
	// "no data" instead of 0 before traffic arrives.
	requests.inc({ [names.routeLabel]: '/query', [names.statusLabel]: '200' }, 0);
	latency.zero({ [names.routeLabel]: '/query' });

	let failing = false;
	const fromQdrant = options.qdrant ? qdrantCorpus(options.qdrant) : undefined;
	const search = async (question: string, k: number) => {
		if (fromQdrant) return (await fromQdrant.current()).search(question, k);
		return options.corpus ? options.corpus.search(question, k) : DOCS;
	};
	const handle = async (req: IncomingMessage, res: ServerResponse) => {
		const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
		if (req.method === 'GET' && path === '/healthz') {
			const components = { qdrant: 'healthy', search: 'healthy', embeddings: failing ? 'unhealthy' : 'healthy' };
			return send(res, failing ? 503 : 200, { status: failing ? 'unhealthy' : 'healthy', components });
		}
		if (req.method === 'GET' && path === '/v1/auth/check') {
			const token = options.apiToken ?? 'example-rag-token';
			if (req.headers.authorization !== `Bearer ${token}`) {
				res.setHeader('www-authenticate', 'Bearer realm="rag-api"');
				return send(res, 401, { error: 'missing or invalid bearer token' });
			}
			return send(res, 200, { authenticated: true });
		}
		// The demo's switch: break and repair the service by hand (curl -X POST …/admin/fail).
		if (req.method === 'POST' && (path === '/admin/fail' || path === '/admin/recover')) {
			failing = path === '/admin/fail';
			return send(res, 200, { failing });
		}
		if (req.method === 'GET' && path === '/metrics') {
			return send(res, 200, await registry.metrics(), registry.contentType);
		}
		if (path === '/query' && (req.method === 'POST' || req.method === 'GET')) {
			const end = latency.startTimer({ [names.routeLabel]: '/query' });
			const body = req.method === 'POST' ? await readBody(req) : '';
			let question = '';
			let k = 5;
			try {
				const json = body ? (JSON.parse(body) as { question?: unknown; k?: unknown }) : {};
				question = String(json.question ?? '');
				if (typeof json.k === 'number' && Number.isInteger(json.k) && json.k > 0) k = Math.min(json.k, 100);
			} catch {
				question = '';
			}
			let code = failing ? 503 : 200;
			let answer: unknown = { error: 'embedding service unavailable' };
			if (!failing) {
				try {
					answer = { question, documents: await search(question, k) };
				} catch (error) {
					code = 503;
					answer = { error: `vector store unavailable: ${(error as Error).message}` };
				}
			}
			send(res, code, answer);
			end();
			requests.inc({ [names.routeLabel]: '/query', [names.statusLabel]: String(code) });
			return;
		}
		send(res, 404, { error: 'not found' });
	};

	let server: Server | undefined;
	let port = options.port ?? 0;
	const start = async () => {
		if (server) return;
		const s = createServer((req, res) => {
			handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
		});
		await new Promise<void>((resolve, reject) => {
			s.once('error', reject);
			s.listen(port, '127.0.0.1', resolve);
		});
		port = (s.address() as AddressInfo).port;
		server = s;
	};
	const stop = async () => {
		const s = server;
		if (!s) return;
		server = undefined;
		s.closeAllConnections();
		await new Promise<void>((resolve) => s.close(() => resolve()));
	};
	await start();

	return {
		get url() {
			return `http://127.0.0.1:${port}`;
		},
		get port() {
			return port;
		},
		registry,
		get failing() {
			return failing;
		},
		setFailing: (value) => {
			failing = value;
		},
		stop,
		start,
	};
}
