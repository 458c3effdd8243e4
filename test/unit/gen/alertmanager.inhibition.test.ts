/**
 * The generated inhibition rules, proven on a real Alertmanager (Debian's 0.25)
 * started on 127.0.0.1 with the generated config: alerts are posted through the
 * v2 API and their `status.inhibitedBy` is read back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generateInto } from './prometheus.helpers';

let dir: string;
let am: ChildProcess;
let base: string;

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address() as { port: number };
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(): Promise<void> {
	for (let i = 0; i < 200; i++) {
		if (am.exitCode !== null) throw new Error(`alertmanager exited with ${am.exitCode}`);
		try {
			if ((await fetch(`${base}/-/ready`)).ok) return;
		} catch {
			/* not listening yet */
		}
		await sleep(100);
	}
	throw new Error('alertmanager did not become ready');
}

const ALERTS: Record<string, string>[] = [
	{ alertname: 'QdrantDown', severity: 'critical', service: 'qdrant' },
	{ alertname: 'RagBackupFailed', severity: 'warning', service: 'qdrant' },
	{ alertname: 'RagApiHighErrorRate', severity: 'warning', service: 'rag-api' },
	{ alertname: 'RagIngestionStale', severity: 'warning', service: 'ingestion' },
	{ alertname: 'RagApiAvailabilityBudgetBurn', severity: 'critical', service: 'search-free' },
	{ alertname: 'RagApiAvailabilityBudgetBurn', severity: 'warning', service: 'search-free' },
	{ alertname: 'RagOpsScrapeFailing', severity: 'warning', service: 'search' },
	{ alertname: 'N8nDown', severity: 'critical', service: 'n8n' },
	{ alertname: 'RagOpsHealthPushesStale', severity: 'critical', service: 'ragops' },
	{ alertname: 'Watchdog', severity: 'info', service: 'ragops' },
];

type Status = { labels: Record<string, string>; status: { inhibitedBy: string[] } };

async function statuses(): Promise<Status[]> {
	return (await (await fetch(`${base}/api/v2/alerts`)).json()) as Status[];
}

const key = (l: Record<string, string>) => `${l.alertname}/${l.severity}/${l.service}`;

beforeAll(async () => {
	dir = generateInto();
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	am = spawn(
		'prometheus-alertmanager',
		[
			`--config.file=${join(dir, 'alertmanager/alertmanager.yml')}`,
			`--storage.path=${join(dir, 'am-data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--cluster.listen-address=',
		],
		{ stdio: 'ignore' },
	);
	await waitReady();
	const startsAt = new Date().toISOString();
	const res = await fetch(`${base}/api/v2/alerts`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(ALERTS.map((labels) => ({ labels, startsAt, annotations: { summary: 'test' } }))),
	});
	expect(res.ok).toBe(true);
	// The inhibitor learns source alerts asynchronously: poll until the expected source took effect.
	for (let i = 0; i < 100; i++) {
		const s = await statuses();
		if (s.length === ALERTS.length && s.some((a) => a.labels.alertname === 'RagBackupFailed' && a.status.inhibitedBy.length > 0)) break;
		await sleep(100);
	}
}, 30_000);

afterAll(async () => {
	// Wait for Alertmanager to exit before removing its data dir: it writes there until it stops.
	if (am && am.pid && am.exitCode === null) {
		const exited = new Promise((resolve) => am.once('exit', resolve));
		process.kill(am.pid);
		await exited;
	}
	rmSync(dir, { recursive: true, force: true });
});

test.each([
	['QdrantDown/critical/qdrant', false, 'the root cause stays visible'],
	['RagBackupFailed/warning/qdrant', true, 'a down service hides its other alerts'],
	['RagApiHighErrorRate/warning/rag-api', true, 'rag-api dependsOn qdrant'],
	['RagIngestionStale/warning/ingestion', true, 'ingestion dependsOn qdrant'],
	['RagApiAvailabilityBudgetBurn/critical/search-free', false, 'the page stays'],
	['RagApiAvailabilityBudgetBurn/warning/search-free', true, 'the same alert at critical hides the warning'],
	['RagOpsScrapeFailing/warning/search', false, 'an unrelated service is not inhibited'],
	['N8nDown/critical/n8n', false, 'the root cause stays visible'],
	['RagOpsHealthPushesStale/critical/ragops', true, 'n8n down explains stale pushes'],
	['Watchdog/info/ragops', false, 'the heartbeat is never inhibited'],
])('%s inhibited=%s (%s)', async (k, inhibited) => {
	const alert = (await statuses()).find((a) => key(a.labels) === k);
	expect(alert).toBeDefined();
	expect(alert!.status.inhibitedBy.length > 0).toBe(inhibited);
});
