/**
 * npm run bench:backup — streams one big snapshot (default 2 GiB; override
 * with BENCH_BACKUP_BYTES) from the Qdrant stand-in through the Qdrant Backup
 * node's Download operation inside real n8n 2.40.7 (community package from
 * `npm pack`, filesystem binary mode), and prints:
 *   - the node's throughput (bytes / the execution time n8n records for it:
 *     list + streamed download + SHA-256 + writing n8n's binary file),
 *   - `curl -o` of the same file from the same server, to a file on the same disk,
 *   - n8n's peak RSS growth: the n8n process's VmRSS sampled every 50 ms, peak
 *     minus the value when the stand-in saw the download request.
 * Goals (issue 4): throughput ≥ 0.8× curl, RSS growth < 150 MiB.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, N8nTestBed } from '../testbed/n8n/testbed';
import { parseCliRun, WorkflowRun } from '../testbed/n8n/run';
import { QdrantStandIn } from '../testbed/stack/qdrantStandIn';

const SIZE = Number(process.env.BENCH_BACKUP_BYTES ?? 2 * 1024 ** 3);
const MiB = 1024 * 1024;

function rssBytes(pid: number): number | undefined {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number | undefined {
	try {
		const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
	} catch {
		return undefined;
	}
}

async function curlSeconds(url: string): Promise<number> {
	const out = join(tmpdir(), `bench-backup-curl-${process.pid}`);
	const started = process.hrtime.bigint();
	await new Promise<void>((resolve, reject) => {
		const child = spawn('curl', ['-sS', '--fail', '-o', out, url], { stdio: 'inherit' });
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
	});
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const size = statSync(out).size;
	rmSync(out, { force: true });
	if (size !== SIZE) throw new Error(`curl wrote ${size} bytes, expected ${SIZE}`);
	return seconds;
}

/**
 * The ceiling for any node: Node 24's own http client (what n8n's axios sits
 * on) reading the same URL and discarding the bytes, in a fresh process.
 */
async function plainNodeSeconds(node: string, url: string): Promise<number> {
	const script = `const t=process.hrtime.bigint();require('http').get(process.argv[1],r=>{let n=0;r.on('data',c=>n+=c.length);r.on('end',()=>{if(n!==${SIZE})process.exit(2);console.log(Number(process.hrtime.bigint()-t)/1e9)})})`;
	return await new Promise((resolve, reject) => {
		const child = spawn(node, ['-e', script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
		let out = '';
		child.stdout.on('data', (c: Buffer) => (out += c.toString()));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`node http.get exited ${code}`))));
	});
}

async function main(): Promise<void> {
	const qdrant = new QdrantStandIn({ collections: ['bench'] });
	await qdrant.start();
	let bed: N8nTestBed | undefined;
	try {
		console.log(`generating a ${(SIZE / MiB).toFixed(0)} MiB snapshot and its SHA-256 …`);
		const snapshot = qdrant.addSnapshot('bench', { content: { size: SIZE, seed: 42 }, creationTime: new Date() });
		const fileUrl = `${qdrant.url}/collections/bench/snapshots/${snapshot.name}`;

		const curl = await curlSeconds(fileUrl);
		console.log(`curl -o: ${curl.toFixed(2)} s`);

		bed = await N8nTestBed.create({ env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } });
		const plain = await plainNodeSeconds(bed.paths.node, fileUrl);
		console.log(`node 24 http.get (discard): ${plain.toFixed(2)} s`);
		const [credentialId] = await bed.importCredentials([
			{ name: 'Qdrant stand-in', type: 'ragOpsQdrantApi', data: { url: qdrant.url, apiKey: '' } },
		]);
		const workflowId = await bed.importWorkflow({
			name: 'bench: Qdrant snapshot download',
			nodes: [
				{ id: 't', name: 'Manual Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'd',
					name: 'Download Snapshot',
					type: 'n8n-nodes-ragops.qdrantBackup',
					typeVersion: 1,
					position: [200, 0],
					parameters: { resource: 'collection', operation: 'download', collection: 'bench', snapshotName: snapshot.name },
					credentials: { ragOpsQdrantApi: { id: credentialId, name: 'Qdrant stand-in' } },
				},
				{
					// n8n's own HTTP Request node fetching the same file as binary: what n8n itself achieves.
					id: 'h',
					name: 'HTTP Request',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.2,
					position: [400, 0],
					parameters: { url: fileUrl, options: { response: { response: { responseFormat: 'file' } } } },
				},
			],
			connections: {
				'Manual Trigger': { main: [[{ node: 'Download Snapshot', type: 'main', index: 0 }]] },
				'Download Snapshot': { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		});

		const nodeOptions = process.env.BENCH_N8N_NODE_OPTIONS ?? '';
		const env = bed.env({ N8N_RUNNERS_BROKER_PORT: String(await freePort()), NODE_OPTIONS: nodeOptions });
		const child = spawn(bed.paths.node, [bed.paths.n8nBin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
			cwd: bed.userFolder,
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (c: Buffer) => (output += c.toString()));
		child.stderr.on('data', (c: Buffer) => (output += c.toString()));
		let baseline: number | undefined;
		let peak = 0;
		const isDownload = (r: { method: string; path: string }) => r.method === 'GET' && r.path.endsWith(snapshot.name);
		// curl's GET is already in the log: the baseline is taken when n8n's arrives.
		const downloadsBefore = qdrant.requests.filter(isDownload).length;
		let atStart: number | undefined;
		let cpuAtDownload: number | undefined;
		let cpuLast: number | undefined;
		let cpuHttpStart: number | undefined;
		let cpuHttpLast: number | undefined;
		const sampler = setInterval(() => {
			const rss = rssBytes(child.pid!);
			if (rss === undefined) return;
			atStart ??= rss;
			if (baseline === undefined && qdrant.requests.filter(isDownload).length > downloadsBefore) {
				baseline = rss;
				cpuAtDownload = cpuSeconds(child.pid!);
			}
			const downloads = qdrant.requests.filter(isDownload).length;
			if (baseline !== undefined && downloads <= downloadsBefore + 1) cpuLast = cpuSeconds(child.pid!) ?? cpuLast;
			if (downloads > downloadsBefore + 1) {
				cpuHttpStart ??= cpuSeconds(child.pid!);
				cpuHttpLast = cpuSeconds(child.pid!) ?? cpuHttpLast;
			}
			// Peak of our node: until n8n's HTTP Request node sends its own GET.
			if (baseline !== undefined && qdrant.requests.filter(isDownload).length <= downloadsBefore + 1) {
				peak = Math.max(peak, rss);
			}
		}, 50);
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		clearInterval(sampler);
		const curlAfter = await curlSeconds(fileUrl);

		const raw = parseCliRun(output);
		if (!raw) throw new Error(`n8n execute printed no run (exit ${code}):\n${output.slice(-3000)}`);
		const run = new WorkflowRun(raw, output);
		if (run.error) throw new Error(`the run failed: ${run.error.message} — ${run.error.description ?? ''}`);
		const json = run.json('Download Snapshot')[0]!;
		if (json.verified !== true || json.bytes !== SIZE) throw new Error(`unexpected node output: ${JSON.stringify(json)}`);
		const nodeSeconds = run.executionTime('Download Snapshot') / 1000;
		const httpNodeSeconds = run.executionTime('HTTP Request') / 1000;

		const rate = (s: number) => `${(SIZE / MiB / s).toFixed(0)} MiB/s`;
		const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
		const growth = baseline === undefined ? NaN : (peak - baseline) / MiB;
		console.log('');
		console.log(`load average at the end: ${load} (2 cores, shared)`);
		console.log(`snapshot: ${(SIZE / MiB).toFixed(0)} MiB, sha256 verified by the node: ${String(json.verified)}`);
		console.log(`n8n NODE_OPTIONS: ${nodeOptions === '' ? '(none)' : nodeOptions}`);
		console.log(`Qdrant Backup Download in n8n: ${nodeSeconds.toFixed(2)} s  ${rate(nodeSeconds)}`);
		console.log(`  n8n process CPU during the transfer: ${((cpuLast ?? NaN) - (cpuAtDownload ?? NaN)).toFixed(2)} s`);
		console.log(`  of which the transfer itself: ${(Number(json.downloadMs) / 1000).toFixed(2)} s  ${rate(Number(json.downloadMs) / 1000)}`);
		console.log(`curl -o, same server:          ${curl.toFixed(2)} s  ${rate(curl)}  (before n8n started)`);
		console.log(`curl -o, same server, again:   ${curlAfter.toFixed(2)} s  ${rate(curlAfter)}  (after n8n exited)`);
		console.log(`n8n HTTP Request node (file):  ${httpNodeSeconds.toFixed(2)} s  ${rate(httpNodeSeconds)}  (same n8n, same file, no hashing; n8n CPU ${((cpuHttpLast ?? NaN) - (cpuHttpStart ?? NaN)).toFixed(2)} s)`);
		console.log(`node 24 http.get, discarding:  ${plain.toFixed(2)} s  ${rate(plain)}  (the runtime's own ceiling)`);
		console.log(
			`ratio node / curl throughput:  ${(curl / nodeSeconds).toFixed(2)}× (curl before), ${(curlAfter / nodeSeconds).toFixed(2)}× (curl after)  (goal ≥ 0.80×)`,
		);
		console.log(
			`ratio HTTP Request node / curl: ${(curl / httpNodeSeconds).toFixed(2)}× (before), ${(curlAfter / httpNodeSeconds).toFixed(2)}× (after); node / HTTP Request node: ${(httpNodeSeconds / nodeSeconds).toFixed(2)}×`,
		);
		console.log(`n8n RSS at process start: ${((atStart ?? NaN) / MiB).toFixed(0)} MiB`);
		console.log(
			`n8n RSS: ${((baseline ?? NaN) / MiB).toFixed(0)} MiB at the download request, peak ${(peak / MiB).toFixed(0)} MiB, growth ${growth.toFixed(0)} MiB (goal < 150 MiB)`,
		);
	} finally {
		await bed?.dispose();
		await qdrant.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
