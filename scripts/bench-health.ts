// npm run bench:health [-- --runs=3 --targets=200 --delay=50 --no-write]
//
// 200 HTTP targets on 127.0.0.1, each answering after 50 ms, checked inside
// real n8n (the test bed: this package packed and installed as a community
// package, n8n 2.40.7 on Node 24) by the RAG Health Check node at concurrency
// 50 and with no limit, and fetched by n8n's built-in HTTP Request node at its
// defaults and with batching. Prints each node's executionTime (n8n's own
// measurement) beside the ideal ⌈targets / concurrency⌉ × delay.
//
// Writes the "Health check" section of docs/benchmarks.md (other sections are
// kept) unless --no-write.
//
// The targets live in a separate process so their timers and sockets do not
// compete with this script's event loop; n8n is a third process.
import { cpus, loadavg } from 'node:os';

import { N8nTestBed } from '../testbed/n8n/testbed';
import { startScriptServer } from '../testbed/processes';
import { benchArgs, median, writeBenchSection } from './benchSupport';

const { write: WRITE, figures: args } = benchArgs();
const RUNS = args.runs || 3;
const TARGETS = args.targets || 200;
const DELAY_MS = args.delay || 50;

// One server, one path per target (`/t/<i>`); a path per target keeps the
// targets distinct for the node's per-target state and metrics. One process
// holds 200 concurrent 50 ms timers without effort; `/__count` reports how
// many target requests it served so the bench can prove every GET happened.
const SERVER_CODE = `
const http = require('node:http');
let served = 0;
const server = http.createServer((req, res) => {
	if (req.url === '/__count') { res.end(String(served)); return; }
	setTimeout(() => {
		served++;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end('{"status":"pass"}');
	}, ${DELAY_MS});
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const startTargets = () => startScriptServer(SERVER_CODE);

interface Variant {
	node: string;
	kind: 'health' | 'http';
	/** concurrency the variant amounts to (0 = no limit) */
	concurrency: number;
	label: string;
}

const variants: Variant[] = [
	{ node: 'Health c50', kind: 'health', concurrency: 50, label: 'RAG Health Check, concurrency 50' },
	{ node: 'Health unlimited', kind: 'health', concurrency: 0, label: 'RAG Health Check, no limit (0)' },
	{ node: 'HTTP defaults', kind: 'http', concurrency: 0, label: 'HTTP Request 4.2, defaults' },
	{ node: 'HTTP batch 50/0ms', kind: 'http', concurrency: 50, label: 'HTTP Request 4.2, batch 50, interval 0 ms' },
	{ node: 'HTTP batch 50/50ms', kind: 'http', concurrency: 50, label: `HTTP Request 4.2, batch 50, interval ${DELAY_MS} ms` },
];

function workflow(base: string): Record<string, unknown> {
	const urls = Array.from({ length: TARGETS }, (_, i) => `${base}/t/${i}`);
	const targets = urls.map((url, i) => ({ name: `t${i}`, url, preset: 'generic', critical: true }));
	const health = (name: string, concurrency: number, y: number) => ({
		id: `health-${y}`,
		name,
		type: 'n8n-nodes-ragops.ragHealthCheck',
		typeVersion: 1,
		position: [300, y],
		parameters: {
			targetSource: 'list',
			targets: { target: targets },
			options: { concurrency, retries: 0, timeout: 10_000 },
		},
	});
	const http = (name: string, options: Record<string, unknown>, y: number) => ({
		id: `http-${y}`,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [600, y],
		parameters: { url: '={{ $json.url }}', options },
	});
	const nodes = [
		{ id: 'manual', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		// Warm-ups (not measured): each client's first requests in a fresh n8n process pay module
		// loading and JIT, so without them whichever variant runs first is penalised. v1 order runs
		// sibling branches top to bottom, so these (highest on the canvas) run first.
		health('Warm-up health', 0, -200),
		health('Health c50', 50, 0),
		health('Health unlimited', 0, 200),
		{
			id: 'urls',
			name: 'URLs',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [300, 400],
			parameters: { jsCode: `return ${JSON.stringify(urls)}.map((url) => ({ json: { url } }));` },
		},
		http('Warm-up HTTP', {}, 300),
		http('HTTP defaults', {}, 400),
		http('HTTP batch 50/0ms', { batching: { batch: { batchSize: 50, batchInterval: 0 } } }, 600),
		http('HTTP batch 50/50ms', { batching: { batch: { batchSize: 50, batchInterval: DELAY_MS } } }, 800),
	];
	const to = (...names: string[]) => ({ main: [names.map((node) => ({ node, type: 'main', index: 0 }))] });
	return {
		name: 'bench: health check vs HTTP Request',
		nodes,
		// v1 order runs the branches one after another, so the variants never overlap
		connections: {
			Manual: to('Warm-up health', 'Health c50', 'Health unlimited', 'URLs'),
			URLs: to('Warm-up HTTP', 'HTTP defaults', 'HTTP batch 50/0ms', 'HTTP batch 50/50ms'),
		},
		settings: { executionOrder: 'v1' },
	};
}


/** Unmeasured warm-up nodes in the workflow (one per client), each also probing every target. */
const WARM_UPS = 2;

const ideal = (concurrency: number) => Math.ceil(TARGETS / (concurrency || TARGETS)) * DELAY_MS;

async function main() {
	const { child, base } = await startTargets();
	const bed = await N8nTestBed.create();
	try {
		const id = await bed.importWorkflow(workflow(base));
		const times: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.node, []]));
		let served = Number(await (await fetch(`${base}/__count`)).text());
		for (let r = 0; r < RUNS; r++) {
			const run = await bed.executeWorkflow(id);
			if (run.error) throw new Error(`run ${r + 1} failed: ${run.error.message}`);
			const now = Number(await (await fetch(`${base}/__count`)).text());
			const expected = TARGETS * (variants.length + WARM_UPS);
			if (now - served !== expected) {
				throw new Error(`run ${r + 1}: targets served ${now - served} requests, expected ${expected}`);
			}
			served = now;
			for (const v of variants) {
				const out = v.kind === 'health' ? run.outputs(v.node).flat() : run.items(v.node);
				if (out.length !== TARGETS) throw new Error(`${v.node} returned ${out.length} items, expected ${TARGETS}`);
				if (v.kind === 'health') {
					const failed = out.filter((i) => i.json.status !== 'pass');
					if (failed.length) throw new Error(`${v.node}: ${failed.length} checks did not pass, e.g. ${JSON.stringify(failed[0].json.message)}`);
				}
				times[v.node].push(run.executionTime(v.node));
			}
			console.error(`run ${r + 1}/${RUNS}: ${variants.map((v) => `${v.node} ${times[v.node][r]} ms`).join(', ')}`);
		}

		const httpAt = (c: number) => variants.find((v) => v.kind === 'http' && v.concurrency === c)!;
		const stats = Object.fromEntries(
			variants.map((v) => [v.node, { median: median(times[v.node]), min: Math.min(...times[v.node]) }]),
		);
		const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
		const rows = variants.map((v) => {
			const { median: med, min } = stats[v.node];
			const http = v.kind === 'health' ? httpAt(v.concurrency) : undefined;
			const vsHttp = http
				? `${ratio(med, stats[http.node].median)} (min ${ratio(min, stats[http.node].min)}) vs ${http.label.replace('HTTP Request 4.2, ', '')}`
				: '';
			return `| ${v.label} | ${med} | ${min} | ${ideal(v.concurrency)} | ${ratio(med, ideal(v.concurrency))} (min ${ratio(min, ideal(v.concurrency))}) | ${vsHttp} |`;
		});
		const goals = variants
			.filter((v) => v.kind === 'health')
			.map((v) => {
				const { median: med, min } = stats[v.node];
				const http = stats[httpAt(v.concurrency).node];
				const idealOk = (t: number) => t <= 1.25 * ideal(v.concurrency);
				return (
					`- ${v.label}: within 1.25× of ideal — median ${idealOk(med) ? 'met' : 'NOT met'}, min ${idealOk(min) ? 'met' : 'NOT met'}; ` +
					`no slower than HTTP Request at the same concurrency — median ${med <= http.median ? 'met' : 'NOT met'}, min ${min <= http.min ? 'met' : 'NOT met'}.`
				);
			});
		const { n8nVersion, nodeVersion } = bed.paths;
		const load = loadavg()[0].toFixed(1);
		const body = [
			`Command: \`npm run bench:health\` (scripts/bench-health.ts). ${TARGETS} targets on 127.0.0.1 (one server process, ` +
				`one path per target, each answering after ${DELAY_MS} ms), checked inside real n8n ${n8nVersion} on Node ${nodeVersion} ` +
				'(the e2e test bed: this package packed and installed as a community package) in one workflow whose branches run one ' +
				'after another, each client warmed up first by an unmeasured run over the same targets (a fresh n8n process ' +
				`otherwise penalises whichever variant runs first); ${RUNS} \`n8n execute\` runs. Times are each node's \`executionTime\` as n8n records it. ` +
				`Machine: ${cpus().length} CPUs shared with other jobs, load average ${load} at the end of the run: read the minimum too.`,
			'',
			`| variant | executionTime median (ms) | min (ms) | ideal ⌈${TARGETS}/c⌉×${DELAY_MS} (ms) | vs ideal | RAG Health Check vs HTTP Request |`,
			'|---|---|---|---|---|---|',
			...rows,
			'',
			'Goals:',
			...goals,
			'',
			"Note on the HTTP Request node (4.2, `n8n-nodes-base/HttpRequest/V3`): it starts every item's request without waiting " +
				'for earlier ones; batching only sleeps `batchInterval` ms before each batch of `batchSize` items. With interval 0 ' +
				'(the matched setting asked for) it is not limited at all, and with interval 50 ms it is a rate limit (50 requests ' +
				'started per 50 ms), not a concurrency limit. The health check node bounds requests in flight with a worker pool.',
		].join('\n');
		console.log(body);
		if (WRITE) {
			writeBenchSection('Health check', body);
		}
	} finally {
		await bed.dispose();
		child.kill();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
