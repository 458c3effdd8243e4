import type { IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { displayUrl, isBlockedRedirectHost, originOf, redactText, redactUrl } from './urls';

/**
 * One HTTP probe that always comes back, and comes back in time.
 *
 * n8n's HTTP helper (axios underneath) has two gaps for health checks: its
 * `timeout` is a socket-idle timeout (a server that trickles one byte a second
 * never trips it) and it buffers bodies without limit. So the probe asks for a
 * stream (`encoding: 'stream'`), reads at most `maxBodyBytes`, and races
 * everything against one overall deadline; when the deadline passes it aborts
 * the request and destroys the stream. Errors are returned as values,
 * classified retryable or not, never thrown.
 *
 * The request function is a parameter (`this.helpers.httpRequest` or a
 * credential-bound `httpRequestWithAuthentication`) so the probe is testable
 * against n8n's real HTTP client without a workflow around it.
 *
 * Redirects are followed here, not by the HTTP client: n8n's client follows
 * up to 21 redirects to any host and, by default
 * (`sendCredentialsOnCrossOriginRedirect` unset = true), re-sends the
 * credential's Authorization header to the other origin; an API-key header is
 * never stripped at all. So every request goes out with
 * `disableFollowRedirect: true`, and the probe decides each hop: same origin
 * only (up to `maxRedirects`), another origin only when the caller allows it
 * and then through a request function without credentials and without the
 * target's headers, never to a link-local or metadata address, never in a
 * loop. All hops share the one deadline.
 */

export type HttpRequestFn = (options: IHttpRequestOptions) => Promise<unknown>;

export interface ProbeOptions {
	url: string;
	method?: IHttpRequestMethods;
	headers?: Record<string, string>;
	/**
	 * Request body, sent as is (e.g. JSON text for a search call; the caller
	 * sets its content type). Sent again on a redirect that keeps the method
	 * (307/308); dropped when the redirect turns the request into a GET.
	 */
	body?: string;
	/** Overall deadline for connect + headers + body, in ms. */
	timeoutMs: number;
	/** Bytes of body kept; the rest is not downloaded. */
	maxBodyBytes: number;
	skipTlsVerify?: boolean;
	/** Cancels the probe early (e.g. the execution was stopped). */
	signal?: AbortSignal;
	/** Redirect hops followed (default {@link DEFAULT_MAX_REDIRECTS}); 0 = a 3xx is the answer. */
	maxRedirects?: number;
	/** Whether a redirect may lead to another origin (scheme, host, port); default false. */
	allowCrossOriginRedirects?: boolean;
	/**
	 * Request function without credentials, used for hops to another origin
	 * (default: `request`, which is right only when `request` carries no credential).
	 */
	anonymousRequest?: HttpRequestFn;
	/** Also return the body's bytes (`response.raw`), e.g. to check its encoding. */
	keepRawBody?: boolean;
}

/** Same-origin redirect hops a probe follows by default (a login or trailing-slash redirect, not a chain). */
export const DEFAULT_MAX_REDIRECTS = 5;

export interface ProbeResponse {
	statusCode: number;
	/** Lower-cased header names. */
	headers: Record<string, string>;
	/** Body decoded as UTF-8, at most maxBodyBytes of it. */
	body: string;
	/** Bytes received (up to the cap plus at most one chunk). */
	bodyBytes: number;
	/** True when the body was longer than maxBodyBytes and cut. */
	truncated: boolean;
	/** The body's bytes as received (at most maxBodyBytes), with `keepRawBody`: for callers that check the encoding. */
	raw?: Buffer;
}

export type ProbeErrorCode =
	| 'timeout'
	| 'connection_refused'
	| 'connection_reset'
	| 'dns'
	| 'network'
	| 'tls'
	| 'invalid_response'
	| 'invalid_url'
	| 'cancelled'
	| 'redirect_cross_origin'
	| 'redirect_blocked'
	| 'redirect_loop'
	| 'too_many_redirects'
	| 'redirect_invalid'
	| 'unknown';

export interface ProbeError {
	code: ProbeErrorCode;
	message: string;
	/** Worth another attempt (transient network trouble, timeouts). */
	retryable: boolean;
}

export interface ProbeResult {
	/** The URL probed, without userinfo. */
	url: string;
	/** Where the answer came from after redirects (without userinfo), when it differs from `url`. */
	finalUrl?: string;
	/** Redirect hops followed. */
	redirects?: number;
	/** Wall time of the attempt in ms (until the body was read or the probe gave up). */
	durationMs: number;
	response?: ProbeResponse;
	error?: ProbeError;
}

/** HTTP answers worth retrying: overload and gateway trouble. */
export const RETRYABLE_STATUS_CODES: readonly number[] = [429, 502, 503, 504];

export function isRetryableResult(result: ProbeResult): boolean {
	if (result.error) return result.error.retryable;
	return result.response !== undefined && RETRYABLE_STATUS_CODES.includes(result.response.statusCode);
}

class DeadlineExceeded extends Error {
	constructor(readonly timeoutMs: number) {
		super(`no complete answer within ${timeoutMs} ms`);
	}
}

class Cancelled extends Error {
	constructor() {
		super('the check was cancelled');
	}
}

/** Reason for cancelling the clock's timer: a ready-made error, so aborting creates no DOMException (and stack trace). */
const TIMER_STOPPED = new Error('deadline timer stopped');

interface Due {
	/** Unix ms at which `expire()` is due. */
	readonly due: number;
	expire(): void;
}

/**
 * One timer for all pending deadlines, instead of a timer, an AbortController
 * and an abort per probe (hundreds per run, and every abort of a timer costs
 * more than the timer). The timer (`sleep` from n8n-workflow) is armed for the
 * earliest due deadline and stopped as soon as no deadline is pending, so no
 * timer outlives the probes. Deadlines of one run share one timeout, so they
 * arrive in due order and the timer is armed once per run, not per probe.
 */
class DeadlineClock {
	private readonly pending = new Set<Due>();
	private armedFor = Infinity;
	private stopTimer?: AbortController;

	add(entry: Due): void {
		this.pending.add(entry);
		if (entry.due < this.armedFor) this.arm(entry.due);
	}

	remove(entry: Due): void {
		if (this.pending.delete(entry) && this.pending.size === 0) this.disarm();
	}

	private arm(due: number): void {
		this.disarm();
		const stop = new AbortController();
		this.stopTimer = stop;
		this.armedFor = due;
		sleep(Math.max(0, due - Date.now()), stop.signal).then(
			() => {
				if (this.stopTimer !== stop) return;
				this.stopTimer = undefined;
				this.armedFor = Infinity;
				this.tick();
			},
			() => undefined,
		);
	}

	private disarm(): void {
		this.stopTimer?.abort(TIMER_STOPPED);
		this.stopTimer = undefined;
		this.armedFor = Infinity;
	}

	private tick(): void {
		const now = Date.now();
		let next = Infinity;
		const expired: Due[] = [];
		for (const entry of this.pending) {
			if (entry.due <= now) expired.push(entry);
			else if (entry.due < next) next = entry.due;
		}
		for (const entry of expired) this.pending.delete(entry);
		if (next < Infinity) this.arm(next);
		for (const entry of expired) entry.expire();
	}
}

const clock = new DeadlineClock();

/**
 * An overall deadline: `expired` rejects when the time is up or `outer`
 * aborts, and `signal` aborts at the same moment (handed to the HTTP client).
 * Timed by the shared clock; `dispose()` takes it off the clock, so no timer
 * outlives the probe.
 *
 * Cheap on purpose (one per probe, hundreds per run): aborts always pass a
 * reason (an AbortController aborted without one builds a DOMException with a
 * stack trace), and `fire` is idempotent.
 */
class Deadline implements Due {
	readonly expired: Promise<never>;
	readonly due: number;
	private readonly controller = new AbortController();
	private onOuterAbort?: () => void;
	private reject!: (reason: Error) => void;
	private done = false;

	constructor(
		private readonly timeoutMs: number,
		private readonly outer?: AbortSignal,
	) {
		this.due = Date.now() + timeoutMs;
		this.expired = new Promise<never>((_resolve, reject) => {
			this.reject = reject;
		});
		// Nobody may be racing on it when it fires; that is not an error.
		this.expired.catch(() => undefined);
		if (outer?.aborted) {
			this.fire(new Cancelled());
			return;
		}
		if (outer) {
			this.onOuterAbort = () => this.fire(new Cancelled());
			outer.addEventListener('abort', this.onOuterAbort, { once: true });
		}
		clock.add(this);
	}

	expire(): void {
		this.fire(new DeadlineExceeded(this.timeoutMs));
	}

	private fire(reason: Error): void {
		if (this.done) return;
		this.done = true;
		// Reject before aborting: the abort can fail the body stream synchronously,
		// and whoever races on `expired` must see the deadline, not that error.
		this.reject(reason);
		this.controller.abort(reason);
	}

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	async race<T>(promise: Promise<T>): Promise<T> {
		return await Promise.race([promise, this.expired]);
	}

	dispose(): void {
		clock.remove(this);
		if (this.onOuterAbort) this.outer?.removeEventListener('abort', this.onOuterAbort);
	}
}

interface FullResponse {
	body: unknown;
	headers: Record<string, unknown>;
	statusCode: number;
}

function isFullResponse(value: unknown): value is FullResponse {
	return typeof value === 'object' && value !== null && typeof (value as FullResponse).statusCode === 'number';
}

interface Destroyable {
	destroy?: (error?: Error) => void;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> & Destroyable {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
	);
}

function destroyBody(body: unknown): void {
	if (typeof body === 'object' && body !== null) {
		const destroy = (body as Destroyable).destroy;
		if (typeof destroy === 'function') destroy.call(body);
	}
}

function toBuffer(chunk: unknown): Buffer {
	if (Buffer.isBuffer(chunk)) return chunk;
	if (chunk instanceof Uint8Array) return Buffer.from(chunk);
	if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
	if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
	return Buffer.from(JSON.stringify(chunk) ?? '', 'utf8');
}

interface CappedBody {
	body: string;
	bodyBytes: number;
	truncated: boolean;
	raw: Buffer;
}

function capBuffer(buffer: Buffer, maxBytes: number): CappedBody {
	const truncated = buffer.length > maxBytes;
	const raw = truncated ? buffer.subarray(0, maxBytes) : buffer;
	return { body: raw.toString('utf8'), bodyBytes: buffer.length, truncated, raw };
}

/** The parts of a Node readable stream (what the HTTP client returns for `encoding: 'stream'`) the probe uses. */
interface EventedStream {
	on(event: string, listener: (...args: unknown[]) => void): unknown;
	removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
	readableEnded?: boolean;
	destroyed?: boolean;
}

function isEventedStream(value: unknown): value is EventedStream {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as EventedStream).on === 'function' &&
		typeof (value as EventedStream).removeListener === 'function'
	);
}

class PrematureClose extends Error {
	readonly code = 'ERR_STREAM_PREMATURE_CLOSE';
	constructor() {
		super('the response ended before its body was complete');
	}
}

function joinCapped(chunks: Buffer[], received: number, maxBytes: number, truncated: boolean): CappedBody {
	const joined = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
	const raw = joined.length > maxBytes ? joined.subarray(0, maxBytes) : joined;
	return { body: raw.toString('utf8'), bodyBytes: received, truncated, raw };
}

/**
 * Collect a stream's chunks until it ends or more than maxBytes arrived, with
 * plain listeners: one promise per body, not one async-iterator step and one
 * Promise.race per chunk. `stop()` detaches the listeners.
 */
function collectStream(stream: EventedStream, maxBytes: number): { done: Promise<CappedBody>; stop: () => void } {
	let stop: () => void = () => undefined;
	const done = new Promise<CappedBody>((resolve, reject) => {
		if (stream.readableEnded) {
			resolve({ body: '', bodyBytes: 0, truncated: false, raw: Buffer.alloc(0) });
			return;
		}
		if (stream.destroyed) {
			reject(new PrematureClose());
			return;
		}
		const chunks: Buffer[] = [];
		let received = 0;
		const onData = (chunk: unknown) => {
			const buffer = toBuffer(chunk);
			received += buffer.length;
			chunks.push(buffer);
			if (received > maxBytes) {
				stop();
				resolve(joinCapped(chunks, received, maxBytes, true));
			}
		};
		const onEnd = () => {
			stop();
			resolve(joinCapped(chunks, received, maxBytes, false));
		};
		const onError = (error: unknown) => {
			stop();
			reject(error);
		};
		const onClose = () => {
			stop();
			reject(new PrematureClose());
		};
		stop = () => {
			stream.removeListener('data', onData);
			stream.removeListener('end', onEnd);
			stream.removeListener('error', onError);
			stream.removeListener('close', onClose);
		};
		stream.on('data', onData);
		stream.on('end', onEnd);
		stream.on('error', onError);
		stream.on('close', onClose);
	});
	return { done, stop: () => stop() };
}

/** Read at most maxBytes of a body (stream or already-buffered), within the deadline. */
async function readCapped(body: unknown, maxBytes: number, deadline: Deadline): Promise<CappedBody> {
	if (body === undefined || body === null) return { body: '', bodyBytes: 0, truncated: false, raw: Buffer.alloc(0) };
	if (isEventedStream(body)) {
		const reading = collectStream(body, maxBytes);
		try {
			return await deadline.race(reading.done);
		} finally {
			reading.stop();
			// Stop downloading whatever is left (cap reached, deadline, error).
			destroyBody(body);
		}
	}
	if (!isAsyncIterable(body)) return capBuffer(toBuffer(body), maxBytes);

	const chunks: Buffer[] = [];
	let received = 0;
	let truncated = false;
	const iterator = body[Symbol.asyncIterator]();
	try {
		for (;;) {
			const next = await deadline.race(iterator.next());
			if (next.done) break;
			const chunk = toBuffer(next.value);
			received += chunk.length;
			chunks.push(chunk);
			if (received > maxBytes) {
				truncated = true;
				break;
			}
		}
	} finally {
		// Stop downloading whatever is left (cap reached, deadline, error).
		destroyBody(body);
	}
	return joinCapped(chunks, received, maxBytes, truncated);
}

function normalizeHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
	const result: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return result;
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined || value === null) continue;
		result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

/** The first `code` found on the error or its causes (n8n wraps axios errors). */
function findErrorCode(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
		const code = (current as { code?: unknown }).code;
		if (typeof code === 'string' && code !== '') return code;
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

function errorMessage(error: unknown): string {
	if (error instanceof Error && error.message) return error.message;
	return String(error);
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/**
 * Classify a thrown request error. Exported for tests. With `url`, the
 * message names the URL (without userinfo) and what to check, instead of a
 * bare "getaddrinfo ENOTFOUND search".
 */
export function classifyError(error: unknown, url?: string): ProbeError {
	const at = url ? ` ${displayUrl(url)}` : '';
	const host = url ? hostOf(redactUrl(url).url) : 'the host';
	if (error instanceof DeadlineExceeded) {
		return { code: 'timeout', message: `${error.message}${url ? ` from${at}` : ''}: check that the service is up and not overloaded, or raise the timeout`, retryable: true };
	}
	if (error instanceof Cancelled) return { code: 'cancelled', message: error.message, retryable: false };
	const code = findErrorCode(error) ?? '';
	const detail = redactText(errorMessage(error));
	const raw = code && !detail.includes(code) ? `${code}: ${detail}` : detail;
	switch (code) {
		case 'ECONNREFUSED':
			return { code: 'connection_refused', message: `connection refused by ${host}${url ? ` (${displayUrl(url)})` : ''}: nothing listens there; check the port and that the service runs (${raw})`, retryable: true };
		case 'ECONNRESET':
		case 'EPIPE':
		case 'ERR_STREAM_PREMATURE_CLOSE':
			return { code: 'connection_reset', message: `connection reset by ${host} before a complete answer: check the service and any proxy in between (${raw})`, retryable: true };
		case 'ETIMEDOUT':
		case 'ECONNABORTED':
		case 'ESOCKETTIMEDOUT':
			return { code: 'timeout', message: `timed out talking to ${host}: check that the service is up and reachable from n8n (${raw})`, retryable: true };
		case 'EAI_AGAIN':
			return { code: 'dns', message: `DNS lookup of ${host} failed temporarily: check the DNS server n8n uses (${raw})`, retryable: true };
		case 'ENOTFOUND':
			return { code: 'dns', message: `host not found: ${host} does not resolve${url ? ` (URL${at})` : ''}; check the host name and that n8n's machine or container can resolve it (${raw})`, retryable: false };
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
		case 'ENETDOWN':
		case 'EHOSTDOWN':
			return { code: 'network', message: `network unreachable: no route from n8n to ${host}; check the address, firewalls and n8n's network (${raw})`, retryable: true };
		case 'ERR_CANCELED':
			return { code: 'cancelled', message: 'the request was aborted', retryable: false };
		case 'ERR_INVALID_URL':
		case 'ERR_INVALID_ARG_VALUE':
			return { code: 'invalid_url', message: `invalid URL${at} (${raw})`, retryable: false };
		case 'ERR_FR_TOO_MANY_REDIRECTS':
			return { code: 'too_many_redirects', message: `too many redirects from${at || ' the target'} (${raw})`, retryable: false };
	}
	if (code.startsWith('HPE_') || code === 'ERR_BAD_RESPONSE' || code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
		return { code: 'invalid_response', message: `not a valid HTTP response from ${host}: is this an HTTP(S) endpoint? (${raw})`, retryable: false };
	}
	if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('SSL') || code === 'EPROTO') {
		return { code: 'tls', message: `TLS error talking to ${host}: check the certificate, or the scheme (http vs https) (${raw})`, retryable: false };
	}
	if (/invalid url/i.test(detail)) return { code: 'invalid_url', message: `${detail}${url ? ` (${displayUrl(url)})` : ''}`, retryable: false };
	if (/maximum number of redirects/i.test(detail)) return { code: 'too_many_redirects', message: `${detail}${at}`, retryable: false };
	return { code: 'unknown', message: `${raw}${url ? ` (${displayUrl(url)})` : ''}`, retryable: false };
}

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/** The URL as WHATWG serializes it (how redirect targets are compared), or the text itself. */
function normalizedUrl(url: string): string {
	try {
		return new URL(url).toString();
	} catch {
		return url;
	}
}

/** A refused redirect, as a probe error (never retried: the same answer would come again). */
function refused(code: ProbeErrorCode, message: string): ProbeError {
	return { code, message, retryable: false };
}

interface Hop {
	url: string;
	crossOrigin: boolean;
}

/**
 * Decide where a redirect leads, or refuse it. `first` is the probed URL (its
 * origin is the target's), `visited` the URLs already requested.
 */
function nextHop(location: string, current: string, first: string, visited: Set<string>, hops: number, options: ProbeOptions): Hop | ProbeError {
	const from = displayUrl(current);
	let next: URL;
	try {
		next = new URL(location, current);
	} catch {
		return refused('redirect_invalid', `${from} redirected to "${redactText(location).slice(0, 200)}", which is not a URL`);
	}
	const shown = displayUrl(next.toString());
	if (next.protocol !== 'http:' && next.protocol !== 'https:') {
		return refused('redirect_blocked', `${from} redirected to ${shown}, which is not http(s); not followed`);
	}
	if (isBlockedRedirectHost(next.hostname)) {
		return refused(
			'redirect_blocked',
			`${from} redirected to ${shown}, a link-local or cloud-metadata address; such redirects are never followed`,
		);
	}
	const crossOrigin = next.origin !== originOf(first);
	if (crossOrigin && options.allowCrossOriginRedirects !== true) {
		return refused(
			'redirect_cross_origin',
			`${from} redirected to ${shown}, another origin; not followed (credentials stay with the target). Point the target at the final URL, or allow redirects to other origins for this target`,
		);
	}
	if (!crossOrigin) {
		// Same origin: keep the target's own userinfo (a redirect's Location carries none).
		const original = new URL(first);
		if (original.username && !next.username) {
			next.username = original.username;
			next.password = original.password;
		}
	} else {
		next.username = '';
		next.password = '';
	}
	const key = next.toString();
	if (visited.has(key)) {
		return refused('redirect_loop', `redirect loop: ${from} redirected back to ${shown}, already requested`);
	}
	if (hops >= (options.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
		return refused(
			'too_many_redirects',
			`more than ${options.maxRedirects ?? DEFAULT_MAX_REDIRECTS} redirects starting at ${displayUrl(first)} (last: ${from} → ${shown}); point the target at the final URL`,
		);
	}
	return { url: key, crossOrigin };
}

/** Run one probe. Never throws; never takes (much) longer than timeoutMs. */
export async function probe(request: HttpRequestFn, options: ProbeOptions): Promise<ProbeResult> {
	const started = Date.now();
	const shownUrl = redactUrl(options.url).url;
	const deadline = new Deadline(options.timeoutMs, options.signal);
	const maxRedirects = Math.max(0, Math.floor(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS));
	const send = (url: string, crossOrigin: boolean, method: IHttpRequestMethods) =>
		Promise.resolve().then(
			async () =>
				await (crossOrigin ? (options.anonymousRequest ?? request) : request)({
					url,
					method,
					// Another origin gets none of the target's headers (they may carry secrets too).
					headers: crossOrigin ? undefined : options.headers,
					...(options.body !== undefined && method !== 'GET' ? { body: options.body } : {}),
					// Also bounds the socket idle time inside the client, even when a
					// caller's helper replaces our abort signal with its own.
					timeout: options.timeoutMs,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					encoding: 'stream',
					json: false,
					skipSslCertificateValidation: options.skipTlsVerify === true,
					abortSignal: deadline.signal,
					// The probe follows redirects itself (see the module doc).
					disableFollowRedirect: true,
					sendCredentialsOnCrossOriginRedirect: false,
				}),
		);
	let current = options.url;
	let method: IHttpRequestMethods = options.method ?? 'GET';
	let crossOrigin = false;
	let hops = 0;
	const visited = new Set<string>([current, normalizedUrl(current)]);
	let pending = send(current, false, method);
	const finish = (result: Omit<ProbeResult, 'url' | 'durationMs'>): ProbeResult => {
		const out: ProbeResult = { url: shownUrl, durationMs: Date.now() - started, ...result };
		if (hops > 0) {
			out.redirects = hops;
			out.finalUrl = redactUrl(current).url;
		}
		return out;
	};
	try {
		for (;;) {
			const raw = await deadline.race(pending);
			if (!isFullResponse(raw)) {
				destroyBody(raw);
				return finish({ error: { code: 'invalid_response', message: `${displayUrl(current)}: the HTTP client returned no status code`, retryable: false } });
			}
			const location = normalizeHeaders(raw.headers).location;
			if (maxRedirects > 0 && REDIRECT_STATUS.has(raw.statusCode) && location) {
				destroyBody(raw.body);
				const hop = nextHop(location, current, options.url, visited, hops, { ...options, maxRedirects });
				if (!('url' in hop)) return finish({ error: hop });
				hops++;
				visited.add(hop.url);
				// 303 (and 301/302 after a POST, as browsers do) continue as GET.
				if (raw.statusCode === 303 || ((raw.statusCode === 301 || raw.statusCode === 302) && method === 'POST')) method = 'GET';
				current = hop.url;
				crossOrigin = crossOrigin || hop.crossOrigin;
				pending = send(current, crossOrigin, method);
				continue;
			}
			const { raw: bytes, ...body } = await readCapped(raw.body, options.maxBodyBytes, deadline);
			const response: ProbeResponse = { statusCode: raw.statusCode, headers: normalizeHeaders(raw.headers), ...body };
			if (options.keepRawBody) response.raw = bytes;
			return finish({ response });
		}
	} catch (error) {
		// If the deadline won the race, the request may still answer later:
		// drop its body instead of leaving a socket open.
		pending.then(
			(late) => destroyBody(isFullResponse(late) ? late.body : late),
			() => undefined,
		);
		return finish({ error: classifyError(error, current) });
	} finally {
		deadline.dispose();
	}
}
