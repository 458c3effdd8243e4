/**
 * HTTP servers on 127.0.0.1 that answer the way an attacker's or a broken
 * endpoint would, for the hostile-input suite (test/unit/nodes/hostile).
 *
 * One server per origin (`startHostileServer()` twice gives two origins: same
 * host, another port). Every request is recorded with its headers, so a test
 * can prove which origin saw which credential. Routes:
 *
 * | route | answer |
 * |---|---|
 * | `/ok` | 200 IETF health+json pass |
 * | `/redirect?to=<url>&code=<3xx>` (or `to64=<base64>`) | redirect to any Location (raw, not validated) |
 * | `/chain/<n>` | n same-origin redirects, then `/ok` |
 * | `/loop/a` ↔ `/loop/b`, `/self` | redirect loops |
 * | `/deep?n=&where=status\|observedValue\|components\|root` | a health answer nested n deep at that place |
 * | `/wide?n=` | a health answer with n components |
 * | `/gzip-bomb?mb=` | gzip body that inflates to `mb` MiB of zeros |
 * | `/endless` | 200, chunks until the client goes away |
 * | `/slowloris` | headers, then one byte every 50 ms forever |
 * | `/stall-headers` | half a status line, then nothing |
 * | `/bytes?b64=` | 200 with exactly these bytes (encodings) |
 * | `/blob/<n>` | bytes registered with `blob()` (long bodies) |
 * | `/manifest?sources=&shape=object\|array` | a valid freshness manifest with that many sources |
 * | `/status?code=` | that status, empty body |
 *
 * Nothing here loops unbounded on the server side: endless answers stop when
 * the socket closes, and `stop()` destroys every open socket.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface SeenRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
}

export interface HostileServer {
	/** `http://127.0.0.1:<port>` */
	origin: string;
	url(path: string): string;
	/** Requests received so far, oldest first. */
	seen: SeenRequest[];
	/** Serves exactly these bytes (200) at the returned URL: for bodies too long for a query string. */
	blob(bytes: Buffer, contentType?: string): string;
	stop(): Promise<void>;
}

const PASS = JSON.stringify({ status: 'pass', checks: { 'db:responseTime': [{ status: 'pass', observedValue: 3, observedUnit: 'ms' }] } });

function nested(depth: number, leaf: string): string {
	return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

function deepBody(n: number, where: string): string {
	switch (where) {
		case 'status':
			return `{"status":"pass","checks":{"db:status":[{"status":${nested(n, '"pass"')}}]}}`;
		case 'observedValue':
			return `{"status":"pass","checks":{"db:latency":[{"status":"pass","observedValue":${nested(n, '1')}}]}}`;
		case 'components':
			return `{"components":{"db":{"status":${nested(n, '"down"')}}}}`;
		case 'objects':
			return `{"status":"pass","details":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
		default:
			return nested(n, '{"status":"pass"}');
	}
}

const gzipCache = new Map<number, Buffer>();
function gzipBomb(mb: number): Buffer {
	let bomb = gzipCache.get(mb);
	if (!bomb) {
		bomb = gzipSync(Buffer.alloc(mb * 1024 * 1024), { level: 9 });
		gzipCache.set(mb, bomb);
	}
	return bomb;
}

export function manifestText(sources: number, shape: 'object' | 'array' = 'object', generatedAt = new Date(Date.now() - 3_600_000)): string {
	const parts: string[] = [];
	for (let i = 0; i < sources; i++) {
		parts.push(shape === 'object' ? `"s${i}":{"document_count":1,"chunk_count":2}` : `{"name":"s${i}","document_count":1,"chunk_count":2}`);
	}
	const list = shape === 'object' ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
	return `{"schema_version":3,"generated_at":"${generatedAt.toISOString()}","run_id":"r-1","config_hash":"sha256:0f","document_count":${sources},"chunk_count":${sources * 2},"sources":${list}}`;
}

export async function startHostileServer(): Promise<HostileServer> {
	const seen: SeenRequest[] = [];
	const blobs = new Map<string, { bytes: Buffer; type: string }>();
	const sockets = new Set<Socket>();
	let origin = '';
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		seen.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers });
		const q = (name: string, fallback = '') => url.searchParams.get(name) ?? fallback;
		const redirect = (location: string, code = 302) => {
			try {
				res.writeHead(code, { location, 'content-type': 'text/plain' });
			} catch {
				// Node refuses some bytes in a header value: write the answer raw, as a hostile server would.
				req.socket.end(Buffer.from(`HTTP/1.1 ${code} Found\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, 'latin1'));
				return;
			}
			res.end(`redirecting to ${location}`);
		};
		const p = url.pathname;
		if (p === '/ok') {
			res.writeHead(200, { 'content-type': 'application/health+json' });
			res.end(PASS);
		} else if (p === '/redirect') {
			// `to64`: the Location base64-encoded, so the target URL does not contain it in clear.
			redirect(url.searchParams.has('to64') ? Buffer.from(q('to64'), 'base64').toString('utf8') : q('to'), Number(q('code', '302')));
		} else if (p.startsWith('/chain/')) {
			const n = Number(p.slice('/chain/'.length));
			if (n > 0) redirect(`/chain/${n - 1}`);
			else redirect('/ok');
		} else if (p === '/loop/a') redirect('/loop/b');
		else if (p === '/loop/b') redirect(`${origin}/loop/a`);
		else if (p === '/self') redirect('/self', 301);
		else if (p === '/deep') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(deepBody(Number(q('n', '100000')), q('where', 'status')));
		} else if (p === '/wide') {
			const n = Number(q('n', '10000'));
			const checks: string[] = [];
			for (let i = 0; i < n; i++) checks.push(`"c${i}:status":[{"status":"${i === n - 1 ? 'fail' : 'pass'}"}]`);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(`{"checks":{${checks.join(',')}}}`);
		} else if (p === '/gzip-bomb') {
			res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
			res.end(gzipBomb(Number(q('mb', '64'))));
		} else if (p === '/endless') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.write('{"status":"pass","pad":"');
			const chunk = 'x'.repeat(64 * 1024);
			const pump = () => {
				while (!res.destroyed && res.write(chunk));
				if (!res.destroyed) res.once('drain', pump);
			};
			pump();
		} else if (p === '/slowloris') {
			res.writeHead(200, { 'content-type': 'application/json' });
			const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50);
			res.on('close', () => clearInterval(timer));
		} else if (p === '/stall-headers') {
			req.socket.write('HTTP/1.1 20');
		} else if (p === '/bytes') {
			res.writeHead(200, { 'content-type': q('type', 'application/json') });
			res.end(Buffer.from(q('b64'), 'base64'));
		} else if (p.startsWith('/blob/') && blobs.has(p)) {
			const blob = blobs.get(p)!;
			res.writeHead(200, { 'content-type': blob.type });
			res.end(blob.bytes);
		} else if (p === '/manifest') {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(manifestText(Number(q('sources', '10')), q('shape', 'object') as 'object' | 'array'));
		} else if (p === '/status') {
			res.writeHead(Number(q('code', '200')));
			res.end();
		} else {
			res.writeHead(404);
			res.end('not found');
		}
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		origin,
		url: (path: string) => `${origin}${path}`,
		seen,
		blob: (bytes: Buffer, contentType = 'application/json') => {
			const path = `/blob/${blobs.size + 1}`;
			blobs.set(path, { bytes, type: contentType });
			return `${origin}${path}`;
		},
		stop: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Secrets planted in a test; `leaks(text)` names each one found in the text. */
export function leakScanner(secrets: string[]): (value: unknown) => string[] {
	return (value: unknown) => {
		const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
		return secrets.filter((s) => text.includes(s));
	};
}
