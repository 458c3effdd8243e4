/**
 * A local search service on 127.0.0.1 (ephemeral port) for the RAG Retrieval
 * Check: it answers each query from a table the test sets, in the shapes of
 * the node's presets, and it can answer like a broken service too.
 *
 * Shapes it follows:
 * - the example stack's RAG API (testbed/stack/ragApi.ts): `POST /query`
 *   `{"question", "k"}` → `{"question", "documents": [{"id", "score", "text"}]}`;
 * - OpenAI's vector-store search (API reference, "Search vector store"):
 *   `POST /v1/vector_stores/{vector_store_id}/search` `{"query", "max_num_results"}` →
 *   `{"object": "vector_store.search_results.page", "search_query": [q], "data":
 *   [{"file_id", "filename", "score", "attributes", "content": [{"type": "text", "text"}]}],
 *   "has_more": false, "next_page": null}`, 401 without a bearer token;
 * - a custom GET API: `GET /custom/search?q=…&size=…` → `{"hits": {"items": [{"doc": {"ref"}, "relevance"}]}}`.
 *
 * Broken answers (any method): `/hostile/not-json`, `/hostile/huge?bytes=N`,
 * `/hostile/deep?depth=N`, `/hostile/no-ids`, `/hostile/no-results`,
 * `/hostile/not-array`, `/hostile/flaky` (503 on every odd request),
 * `/hostile/status?code=N`, `/hostile/hang`. `/moved` is a 307 to `/query`;
 * `/files/<name>` serves `files`.
 * `stop()` destroys open sockets, so a hanging route cannot keep jest alive.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../httpBody';

export interface Doc {
	id: string;
	score: number;
	text?: string;
}

export interface SeenRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

export interface SearchServer {
	baseUrl: string;
	/** Ranked results per query text; a query not in it gets no results. */
	answers: Map<string, Doc[]>;
	/** Files served under /files/<name>: [content type, body]. */
	files: Map<string, [string, string]>;
	/** Bearer token the OpenAI route requires. */
	openaiToken: string;
	requests: SeenRequest[];
	/** Most requests in flight at once since the start or the last resetPeak() (concurrency, measured without timing). */
	peakInFlight(): number;
	resetPeak(): void;
	stop(): Promise<void>;
}

function send(res: http.ServerResponse, code: number, body: unknown, type = 'application/json'): void {
	res.writeHead(code, { 'content-type': type });
	res.end(typeof body === 'string' ? body : JSON.stringify(body));
}


function parse(body: string): Record<string, unknown> {
	try {
		const value = JSON.parse(body) as unknown;
		return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

export async function startSearchServer(): Promise<SearchServer> {
	const answers = new Map<string, Doc[]>();
	const files = new Map<string, [string, string]>();
	const requests: SeenRequest[] = [];
	const sockets = new Set<import('node:net').Socket>();
	let inFlight = 0;
	let peak = 0;
	let flaky = 0;
	const state = { openaiToken: 'sk-test-openai' };

	const results = (query: string, k: number) => (answers.get(query) ?? []).slice(0, Math.max(0, k));

	const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const body = await readBody(req);
		requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body });
		const path = url.pathname;

		if (path === '/query' && req.method === 'POST') {
			const json = parse(body);
			const question = String(json.question ?? '');
			const k = typeof json.k === 'number' ? json.k : 10;
			// Slow enough that concurrent calls overlap (peakInFlight), without a timed assertion.
			await new Promise((r) => setTimeout(r, 5));
			return send(res, 200, { question, documents: results(question, k).map((d) => ({ id: d.id, score: d.score, text: d.text ?? '' })) });
		}
		const vs = /^\/v1\/vector_stores\/([^/]+)\/search$/.exec(path);
		if (vs && req.method === 'POST') {
			if (req.headers.authorization !== `Bearer ${state.openaiToken}`) {
				return send(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
			}
			const json = parse(body);
			const query = String(json.query ?? '');
			const max = typeof json.max_num_results === 'number' ? json.max_num_results : 10;
			if (max < 1 || max > 50) return send(res, 400, { error: { message: 'max_num_results must be between 1 and 50', type: 'invalid_request_error' } });
			return send(res, 200, {
				object: 'vector_store.search_results.page',
				search_query: [query],
				data: results(query, max).map((d) => ({
					file_id: d.id,
					filename: `${d.id}.md`,
					score: d.score,
					attributes: {},
					content: [{ type: 'text', text: d.text ?? '' }],
				})),
				has_more: false,
				next_page: null,
			});
		}
		if (path === '/custom/search' && req.method === 'GET') {
			const q = url.searchParams.get('q') ?? '';
			const size = Number(url.searchParams.get('size') ?? '10');
			return send(res, 200, { hits: { items: results(q, size).map((d) => ({ doc: { ref: d.id }, relevance: d.score })) } });
		}
		if (path.startsWith('/files/')) {
			const file = files.get(decodeURIComponent(path.slice('/files/'.length)));
			return file ? send(res, 200, file[1], file[0]) : send(res, 404, { error: 'no such file' });
		}
		switch (path) {
			case '/hostile/not-json':
				return send(res, 200, '<html><body>Bad gateway</body></html>', 'text/html');
			case '/hostile/huge': {
				const bytes = Number(url.searchParams.get('bytes') ?? '10000000');
				res.writeHead(200, { 'content-type': 'application/json' });
				const chunk = Buffer.alloc(64 * 1024, 0x20);
				let sent = 0;
				const pump = () => {
					while (sent < bytes && !res.destroyed) {
						sent += chunk.length;
						if (!res.write(chunk)) return void res.once('drain', pump);
					}
					res.end();
				};
				return pump();
			}
			case '/hostile/deep': {
				const depth = Number(url.searchParams.get('depth') ?? '100000');
				return send(res, 200, `{"documents":${'['.repeat(depth)}${']'.repeat(depth)}}`);
			}
			case '/hostile/no-ids':
				return send(res, 200, { documents: [{ score: 0.9, text: 'no id' }, { identifier: 'x', score: 0.8 }] });
			case '/hostile/no-results':
				return send(res, 200, { answer: 'I do not know' });
			case '/hostile/not-array':
				return send(res, 200, { documents: { id: 'a' } });
			case '/hostile/flaky':
				flaky++;
				return flaky % 2 === 1 ? send(res, 503, { error: 'overloaded' }) : send(res, 200, { documents: [{ id: 'a', score: 1 }] });
			case '/hostile/status':
				return send(res, Number(url.searchParams.get('code') ?? '500'), { error: 'boom' });
			case '/hostile/hang':
				return; // never answers
			case '/moved':
				// A same-origin redirect that keeps the method and body (RFC 9110 §15.4.8).
				res.writeHead(307, { location: '/query' });
				return void res.end();
		}
		send(res, 404, { error: 'not found' });
	};

	const server = http.createServer((req, res) => {
		inFlight++;
		peak = Math.max(peak, inFlight);
		res.on('close', () => inFlight--);
		handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		answers,
		files,
		get openaiToken() {
			return state.openaiToken;
		},
		set openaiToken(token: string) {
			state.openaiToken = token;
		},
		requests,
		peakInFlight: () => peak,
		resetPeak: () => {
			peak = inFlight;
		},
		stop: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
