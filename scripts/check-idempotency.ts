/**
 * `npm run check:idempotency -- --url http://your-api --start-path /runs`:
 * does your ingestion API honour `Idempotency-Key` the way the RAG Ingestion
 * node relies on (docs/nodes/rag-ingestion.md, "What your ingestion API must
 * do"; the IETF HTTPAPI Idempotency-Key draft)? Prints PASS / FAIL / WARN per
 * rule with what was seen, and exits 1 when a rule fails.
 *
 * It really starts runs: one run of the source given by --source (default
 * `ragops-idempotency-check`) under a fresh random key, so point it at a
 * test source. Rules:
 * 1. 20 concurrent identical starts → one run: every answer is 2xx naming the
 *    same run id, or 409 (in flight); at least one 2xx.
 * 2. A sequential replay of the same start → 2xx naming that run again.
 * 3. The same key with a different body (mode and metadata changed) → 422.
 * 4. The replay is flagged with `Idempotent-Replayed: true` (WARN when not:
 *    the node then cannot tell a recent replay from a new run, though the API
 *    still starts only one).
 */
import { randomUUID } from 'node:crypto';

export type Verdict = 'PASS' | 'FAIL' | 'WARN';

export interface RuleResult {
	rule: string;
	verdict: Verdict;
	seen: string;
}

export interface CheckOptions {
	url: string;
	startPath?: string;
	method?: string;
	source?: string;
	concurrency?: number;
	/** Extra request headers, e.g. Authorization. */
	headers?: Record<string, string>;
	/** Per request, ms (default 30 s). */
	timeoutMs?: number;
}

interface Answer {
	status: number;
	runId?: string;
	replayed: boolean;
	error?: string;
}

function runIdOf(body: unknown): string | undefined {
	if (body === null || typeof body !== 'object') return undefined;
	const o = body as Record<string, unknown>;
	const id = o.run_id ?? o.runId ?? o.id;
	return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function describe(answers: Answer[]): string {
	const counts = new Map<string, number>();
	for (const a of answers) {
		const label = a.error ? `error (${a.error})` : `${a.status}${a.runId ? ` ${a.runId}` : ''}${a.replayed ? ' replayed' : ''}`;
		counts.set(label, (counts.get(label) ?? 0) + 1);
	}
	return [...counts].map(([label, n]) => `${n}× ${label}`).join(', ');
}

export async function checkIdempotency(options: CheckOptions): Promise<RuleResult[]> {
	const url = `${options.url.replace(/\/+$/, '')}/${(options.startPath ?? '/runs').replace(/^\/+/, '')}`;
	const source = options.source ?? 'ragops-idempotency-check';
	const concurrency = options.concurrency ?? 20;
	const key = `ragops-check-${randomUUID()}`;
	const body = { source, mode: 'incremental', metadata: { check: 'ragops idempotency conformance' }, idempotency_key: key };

	const start = async (payload: Record<string, unknown>): Promise<Answer> => {
		try {
			const res = await fetch(url, {
				method: options.method ?? 'POST',
				headers: { 'content-type': 'application/json', 'Idempotency-Key': key, ...options.headers },
				body: JSON.stringify(payload),
				signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
			});
			const text = await res.text();
			let parsed: unknown;
			try {
				parsed = JSON.parse(text);
			} catch {
				parsed = undefined;
			}
			return { status: res.status, runId: runIdOf(parsed), replayed: res.headers.get('idempotent-replayed')?.toLowerCase() === 'true' };
		} catch (error) {
			const e = error as { message?: string; cause?: { code?: string } };
			return { status: 0, replayed: false, error: e.cause?.code ?? e.message ?? String(error) };
		}
	};

	const results: RuleResult[] = [];
	const burst = await Promise.all(Array.from({ length: concurrency }, () => start(body)));
	const ok = burst.filter((a) => a.status >= 200 && a.status < 300);
	const ids = new Set(ok.map((a) => a.runId));
	const others = burst.filter((a) => !(a.status >= 200 && a.status < 300) && a.status !== 409);
	const burstPass = ok.length >= 1 && ids.size === 1 && !ids.has(undefined) && others.length === 0;
	results.push({
		rule: `${concurrency} concurrent identical starts create one run (same run id in every 2xx, or 409)`,
		verdict: burstPass ? 'PASS' : 'FAIL',
		seen: `${describe(burst)}; ${ids.size} distinct run id(s) in 2xx answers`,
	});
	const runId = ok[0]?.runId;

	const replay = await start(body);
	const replayPass = replay.status >= 200 && replay.status < 300 && runId !== undefined && replay.runId === runId;
	results.push({
		rule: 'a sequential replay of the same start answers with the same run',
		verdict: replayPass ? 'PASS' : 'FAIL',
		seen: `${describe([replay])}${runId ? ` (first run: ${runId})` : ' (no run from the burst)'}`,
	});

	const other = await start({ ...body, mode: 'full', metadata: { check: 'ragops idempotency conformance', changed: true } });
	results.push({
		rule: 'the same key with a different body is refused with 422',
		verdict: other.status === 422 ? 'PASS' : 'FAIL',
		seen: describe([other]),
	});

	const flagged = replay.replayed || burst.some((a) => a.replayed);
	results.push({
		rule: 'replayed answers carry Idempotent-Replayed: true',
		verdict: flagged ? 'PASS' : 'WARN',
		seen: flagged ? 'header present' : 'header absent: the node sees a replay only when the run started over 2 minutes before',
	});
	return results;
}

function parseArgs(argv: string[]): CheckOptions {
	const opts: CheckOptions = { url: '', headers: {} };
	for (let i = 0; i < argv.length; i++) {
		const [flag, inline] = argv[i]!.split(/=(.*)/s, 2);
		const value = () => inline ?? argv[++i] ?? '';
		switch (flag) {
			case '--url':
				opts.url = value();
				break;
			case '--start-path':
				opts.startPath = value();
				break;
			case '--method':
				opts.method = value().toUpperCase();
				break;
			case '--source':
				opts.source = value();
				break;
			case '--concurrency':
				opts.concurrency = Number(value());
				break;
			case '--header': {
				const [name, ...rest] = value().split(':');
				opts.headers![name!.trim()] = rest.join(':').trim();
				break;
			}
			default:
				throw new Error(`unknown argument ${argv[i]}`);
		}
	}
	if (!/^https?:\/\//.test(opts.url)) throw new Error('--url http(s)://… is required');
	if (opts.concurrency !== undefined && !(Number.isInteger(opts.concurrency) && opts.concurrency >= 2)) {
		throw new Error('--concurrency must be an integer ≥ 2');
	}
	return opts;
}

async function main(): Promise<void> {
	let opts: CheckOptions;
	try {
		opts = parseArgs(process.argv.slice(2));
	} catch (error) {
		console.error(`check:idempotency: ${(error as Error).message}`);
		console.error('usage: npm run check:idempotency -- --url http://your-api [--start-path /runs] [--source name] [--header "Authorization: Bearer …"] [--concurrency 20]');
		process.exit(2);
	}
	const results = await checkIdempotency(opts);
	for (const r of results) console.log(`${r.verdict.padEnd(4)}  ${r.rule}\n      seen: ${r.seen}`);
	const failed = results.filter((r) => r.verdict === 'FAIL').length;
	console.log(failed === 0 ? 'idempotency check passed' : `idempotency check failed: ${failed} rule(s)`);
	process.exit(failed === 0 ? 0 : 1);
}

if (require.main === module) void main();
