// npm run bench:retrieval [-- --runs=3 --cases=200 --delay=20 --no-write]
//
// 200 golden cases against a search API on 127.0.0.1 (the example stack's
// `POST /query` shape, each answer after 20 ms), run inside real n8n (the test
// bed: this package packed and installed as a community package, n8n 2.40.7
// on Node 24) by the RAG Retrieval Check node at concurrency 10 and at 200,
// and the same 200 calls made by n8n's built-in HTTP Request node. Prints each
// node's executionTime (n8n's own measurement) and the overhead per case: node
// time minus the API's time (⌈cases / concurrency⌉ × delay: what a client with
// no cost of its own would take), divided by the cases.
//
// Writes the "Retrieval check" section of docs/benchmarks.md (other sections
// are kept) unless --no-write.
//
// The search API lives in a separate process so its timers and sockets do not
// compete with this script's event loop; n8n is a third process.
import { cpus, loadavg } from 'node:os';

import { N8nTestBed } from '../testbed/n8n/testbed';
import { startScriptServer } from '../testbed/processes';
import { benchArgs, median, writeBenchSection } from './benchSupport';

const { write: WRITE, figures: args } = benchArgs();
const RUNS = args.runs || 3;
const CASES = args.cases || 200;
const DELAY_MS = args.delay || 20;
const K = 5;

// Answers question "q<i>" with five documents, d<i> first; counts the searches it served.
const SERVER_CODE = `
const http = require('node:http');
let served = 0;
const server = http.createServer((req, res) => {
	if (req.url === '/__count') { res.end(String(served)); return; }
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		let question = '';
		try { question = String(JSON.parse(Buffer.concat(chunks).toString()).question || ''); } catch {}
		const i = question.slice(1);
		const documents = [0, 1, 2, 3, 4].map((r) => ({ id: r === 0 ? 'd' + i : 'other-' + r, score: 1 - r / 10, text: 'chunk ' + r + ' for ' + question }));
		setTimeout(() => {
			served++;
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ question, documents }));
		}, ${DELAY_MS});
	});
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const startSearch = () => startScriptServer(SERVER_CODE);

interface Variant {
	node: string;
	kind: 'retrieval' | 'http';
	/** Calls in flight at most (HTTP Request: not limited, so all of them). */
	concurrency: number;
	label: string;
}

const variants: Variant[] = [
	{ node: 'Retrieval c10', kind: 'retrieval', concurrency: 10, label: 'RAG Retrieval Check, concurrency 10' },
	{ node: 'Retrieval c200', kind: 'retrieval', concurrency: CASES, label: `RAG Retrieval Check, concurrency ${CASES}` },
	{ node: 'HTTP defaults', kind: 'http', concurrency: CASES, label: 'HTTP Request 4.2, defaults (no limit)' },
];

function workflow(base: string): Record<string, unknown> {
	const cases = Array.from({ length: CASES }, (_, i) => ({ id: `c${i}`, query: `q${i}`, expected: `d${i}`, match: 'any', mustNotContain: '', k: 0, minScore: '' }));
	const retrieval = (name: string, concurrency: number, y: number) => ({
		id: `retrieval-${y}`,
		name,
		type: 'n8n-nodes-ragops.ragRetrievalCheck',
		typeVersion: 1,
		position: [300, y],
		parameters: {
			checkName: 'bench',
			caseSource: 'list',
			cases: { case: cases },
			searchPreset: 'ragApi',
			url: base,
			defaultK: K,
			options: { concurrency, retries: 0, timeout: 30_000 },
		},
	});
	const http = (name: string, y: number) => ({
		id: `http-${y}`,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [600, y],
		parameters: {
			method: 'POST',
			url: `${base}/query`,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: `={{ JSON.stringify({ question: $json.query, k: ${K} }) }}`,
			options: {},
		},
	});
	const nodes = [
		{ id: 'manual', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		// Warm-ups (not measured): a fresh n8n process makes each client's first calls pay module
		// loading and JIT. v1 order runs sibling branches top to bottom, so these run first.
		retrieval('Warm-up retrieval', CASES, -200),
		retrieval('Retrieval c10', 10, 0),
		retrieval('Retrieval c200', CASES, 200),
		{
			id: 'queries',
			name: 'Queries',
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [300, 400],
			parameters: { jsCode: `return ${JSON.stringify(cases.map((c) => c.query))}.map((query) => ({ json: { query } }));` },
		},
		http('Warm-up HTTP', 300),
		http('HTTP defaults', 400),
	];
	const to = (...names: string[]) => ({ main: [names.map((node) => ({ node, type: 'main', index: 0 }))] });
	return {
		name: 'bench: retrieval check vs HTTP Request',
		nodes,
		connections: {
			Manual: to('Warm-up retrieval', 'Retrieval c10', 'Retrieval c200', 'Queries'),
			Queries: to('Warm-up HTTP', 'HTTP defaults'),
		},
		settings: { executionOrder: 'v1' },
	};
}



const WARM_UPS = 2;
const apiTime = (concurrency: number) => Math.ceil(CASES / concurrency) * DELAY_MS;
const perCase = (ms: number, v: Variant) => (ms - apiTime(v.concurrency)) / CASES;

async function main() {
	const { child, base } = await startSearch();
	const bed = await N8nTestBed.create();
	try {
		const id = await bed.importWorkflow(workflow(base));
		const times: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.node, []]));
		let served = Number(await (await fetch(`${base}/__count`)).text());
		for (let r = 0; r < RUNS; r++) {
			const run = await bed.executeWorkflow(id);
			if (run.error) throw new Error(`run ${r + 1} failed: ${run.error.message}`);
			const now = Number(await (await fetch(`${base}/__count`)).text());
			const expected = CASES * (variants.length + WARM_UPS);
			if (now - served !== expected) throw new Error(`run ${r + 1}: the API served ${now - served} searches, expected ${expected}`);
			served = now;
			for (const v of variants) {
				if (v.kind === 'retrieval') {
					const [pass, fail] = run.outputs(v.node);
					const summary = pass?.[0]?.json;
					if (!summary || (fail ?? []).length) throw new Error(`${v.node} did not pass: ${JSON.stringify(fail?.[0]?.json ?? {}).slice(0, 300)}`);
					if (summary.cases !== CASES || summary.hitRate !== 1 || summary.errors !== 0) {
						throw new Error(`${v.node}: ${summary.cases} cases, hit rate ${summary.hitRate}, ${summary.errors} errors`);
					}
				} else {
					const items = run.items(v.node);
					if (items.length !== CASES) throw new Error(`${v.node} returned ${items.length} items, expected ${CASES}`);
				}
				times[v.node].push(run.executionTime(v.node));
			}
			console.error(`run ${r + 1}/${RUNS}: ${variants.map((v) => `${v.node} ${times[v.node][r]} ms`).join(', ')}`);
		}

		const stats = Object.fromEntries(variants.map((v) => [v.node, { median: median(times[v.node]), min: Math.min(...times[v.node]) }]));
		const http = variants.find((v) => v.kind === 'http')!;
		const fmt = (ms: number) => ms.toFixed(2);
		const rows = variants.map((v) => {
			const { median: med, min } = stats[v.node];
			const vsHttp =
				v.kind === 'retrieval'
					? `${(perCase(med, v) / perCase(stats[http.node].median, http)).toFixed(2)}× (min ${(perCase(min, v) / perCase(stats[http.node].min, http)).toFixed(2)}×)`
					: '';
			return `| ${v.label} | ${med} | ${min} | ${apiTime(v.concurrency)} | ${fmt(perCase(med, v))} | ${fmt(perCase(min, v))} | ${vsHttp} |`;
		});
		const { n8nVersion, nodeVersion } = bed.paths;
		const body = [
			`Command: \`npm run bench:retrieval\` (scripts/bench-retrieval.ts). ${CASES} golden cases against a search API on 127.0.0.1 ` +
				`(one server process, the example stack's \`POST /query\` shape, five results per answer after ${DELAY_MS} ms), run inside real ` +
				`n8n ${n8nVersion} on Node ${nodeVersion} (the e2e test bed: this package packed and installed as a community package) by the ` +
				`RAG Retrieval Check node (k = ${K}, every case checked: hit rate 1, no errors) and, for the same ${CASES} calls, by n8n's HTTP ` +
				`Request node (one item per query, JSON body). Branches run one after another, each client warmed up by an unmeasured run; ` +
				`${RUNS} \`n8n execute\` runs; times are each node's \`executionTime\` as n8n records it. Overhead per case = (executionTime − ` +
				`API time) / ${CASES}, API time = ⌈${CASES} / concurrency⌉ × ${DELAY_MS} ms (what a client with no cost of its own would take). ` +
				`Machine: ${cpus().length} CPUs shared with other jobs, load average ${loadavg()[0].toFixed(1)} at the end: read the minimum too.`,
			'',
			'| variant | executionTime median (ms) | min (ms) | API time (ms) | overhead per case, median (ms) | min (ms) | overhead per case vs HTTP Request |',
			'|---|---|---|---|---|---|---|',
			...rows,
			'',
			'Per case the node validates the case, builds the body from the template, reads the answer as a bounded stream ' +
				'under a deadline, extracts and measures the ranked ids, and adds the case to one summary item; the HTTP Request node ' +
				'parses each answer into an output item. At concurrency 10 the node waits for a free slot ⌈200/10⌉ = 20 times, so ' +
				'per-request latency counts 20 times over, not once: compare it with the API time of its own row.',
		].join('\n');
		console.log(body);
		if (WRITE) {
			writeBenchSection('Retrieval check', body);
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
