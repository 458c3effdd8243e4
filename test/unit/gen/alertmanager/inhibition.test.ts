/**
 * The generated inhibition rules, proven on a real Alertmanager (Debian's 0.25)
 * started on 127.0.0.1 with the generated config: alerts are posted through the
 * v2 API and their `status.inhibitedBy` is read back.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, type ManagedProcess } from '../../../../testbed/processes';
import { generateInto } from '../prometheus/helpers';

let dir: string;
let am: ManagedProcess | undefined;
let base: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
	{ alertname: 'RagRetrievalQualityLow', severity: 'critical', service: 'kb-api', target: 'docs', measure: 'hit_rate' },
	{ alertname: 'RagRetrievalQualityLow', severity: 'warning', service: 'kb-api', target: 'docs', measure: 'mrr' },
	{ alertname: 'RagRetrievalDrift', severity: 'warning', service: 'kb-api', target: 'docs' },
	{ alertname: 'RagRetrievalDrift', severity: 'warning', service: 'kb-other', target: 'docs' },
	{ alertname: 'RagRetrievalQualityLow', severity: 'warning', service: 'rag-api', target: 'docs', measure: 'hit_rate' },
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
	am = await startProcess({
		name: 'alertmanager',
		bin: 'prometheus-alertmanager',
		args: [
			`--config.file=${join(dir, 'alertmanager/alertmanager.yml')}`,
			`--storage.path=${join(dir, 'am-data')}`,
			`--web.listen-address=127.0.0.1:${port}`,
			'--cluster.listen-address=',
		],
		url: base,
		logFile: join(dir, 'alertmanager.log'),
	});
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
	// stop() waits for the exit, so the data dir can go right after.
	await am?.stop();
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
	['RagRetrievalQualityLow/critical/kb-api', false, 'the retrieval page stays'],
	['RagRetrievalQualityLow/warning/kb-api', true, 'the page hides the same alert at warning, whatever the measure'],
	['RagRetrievalDrift/warning/kb-api', true, 'a quality alert of the golden set hides its drift'],
	['RagRetrievalDrift/warning/kb-other', false, 'drift of another service is not hidden'],
	['RagRetrievalQualityLow/warning/rag-api', true, 'rag-api dependsOn qdrant: the outage is the message'],
])('%s inhibited=%s (%s)', async (k, inhibited) => {
	const alert = (await statuses()).find((a) => key(a.labels) === k);
	expect(alert).toBeDefined();
	expect(alert!.status.inhibitedBy.length > 0).toBe(inhibited);
});
