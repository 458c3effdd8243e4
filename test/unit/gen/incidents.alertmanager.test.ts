/**
 * The replay model of test/support/incidents/alertmanager.ts checked against
 * the real Alertmanager (Debian's 0.25) on 127.0.0.1: the generated config with
 * its timers divided by SCALE and every receiver turned into a webhook to a local
 * recorder (send_resolved kept), fed an alert timeline the way Prometheus sends
 * one (re-sent every resend delay with endsAt 4 resend delays ahead, then once
 * with endsAt = now when it resolves). The timeline exercises what the suite's
 * counts depend on: group_wait, an alert joining a group that already notified,
 * an inhibition that ends while its target still fires, a target inhibited for
 * its whole life, resolved notifications, and the Watchdog's repeat to the heartbeat.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort, startProcess, type ManagedProcess } from '../../../testbed/processes';
import { parseDuration } from '../../../gen/duration';
import { startAlertReceiver, type AlertReceiver } from '../../../testbed/alertReceiver';
import { loadAlertmanager, replay, type AmAlert } from '../../support/incidents/alertmanager';
import { generateInto } from './prometheus/helpers';

/** Simulated seconds per real second. */
const SCALE = 40;
const RESEND = 60;

const TIMELINE: AmAlert[] = [
	{ labels: { alertname: 'Watchdog', severity: 'info', service: 'ragops' }, startsAt: 0, endsAt: Infinity },
	{ labels: { alertname: 'RagApiDown', severity: 'critical', service: 'rag-api', instance: 'a' }, startsAt: 20, endsAt: 620 },
	{ labels: { alertname: 'RagApiHighErrorRate', severity: 'warning', service: 'rag-api' }, startsAt: 110, endsAt: 950 },
	{ labels: { alertname: 'RagOpsScrapeFailing', severity: 'warning', service: 'rag-api', job: 'rag-api' }, startsAt: 130, endsAt: 400 },
	{ labels: { alertname: 'QdrantDown', severity: 'critical', service: 'qdrant', instance: 'q1' }, startsAt: 210, endsAt: 1250 },
	{ labels: { alertname: 'QdrantDown', severity: 'critical', service: 'qdrant', instance: 'q2' }, startsAt: 400, endsAt: 1250 },
	{ labels: { alertname: 'RagBackupFailed', severity: 'warning', service: 'qdrant', target: 'docs' }, startsAt: 700, endsAt: 1000 },
];
const UNTIL = 1500;

let dir: string;
let am: ManagedProcess | undefined;
let receiver: AlertReceiver;
let base: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scaledConfig(text: string, url: string): string {
	const doc = parse(text) as Record<string, unknown>;
	const scale = (d: unknown) => `${Math.max(1, Math.round((parseDuration(String(d)) * 1000) / SCALE))}ms`;
	const walk = (r: Record<string, unknown>) => {
		for (const k of ['group_wait', 'group_interval', 'repeat_interval']) if (r[k] !== undefined) r[k] = scale(r[k]);
		for (const c of (r.routes as Record<string, unknown>[] | undefined) ?? []) walk(c);
	};
	walk(doc.route as Record<string, unknown>);
	doc.receivers = (doc.receivers as Record<string, unknown>[]).map((r) => {
		const model = loadAlertmanager(stringify({ route: { receiver: r.name }, receivers: [r] })).receivers.get(String(r.name))!;
		if (model.integrations === 0) return { name: r.name };
		return { name: r.name, webhook_configs: [{ url: `${url}/${r.name}`, send_resolved: model.sendResolved }] };
	});
	delete doc.templates;
	return stringify(doc);
}

interface Seen {
	receiver: string;
	at: number;
	status: string;
	firing: string[];
}

beforeAll(async () => {
	dir = generateInto();
	receiver = await startAlertReceiver();
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	const file = join(dir, 'alertmanager/scaled.yml');
	writeFileSync(file, scaledConfig(readFileSync(join(dir, 'alertmanager/alertmanager.yml'), 'utf8'), receiver.url));
	am = await startProcess({
		name: 'alertmanager',
		bin: 'prometheus-alertmanager',
		args: [`--config.file=${file}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
		url: base,
		logFile: join(dir, 'alertmanager.log'),
	});
}, 30_000);

afterAll(async () => {
	await am?.stop();
	await receiver?.stop();
	rmSync(dir, { recursive: true, force: true });
});

test('the replay model notifies what the real Alertmanager notifies for the same timeline', async () => {
	const t0 = Date.now() + 200;
	const real = (sim: number) => new Date(t0 + (sim * 1000) / SCALE).toISOString();
	const simNow = () => ((Date.now() - t0) * SCALE) / 1000;
	const sent = new Map<number, number>();
	// Prometheus's sending, on a scaled clock: every evaluation (15 s) sends what fires if not sent
	// for RESEND, and a resolved alert once.
	for (let sim = 0; sim <= UNTIL; sim += 15) {
		while (simNow() < sim) await sleep(2);
		const batch = TIMELINE.flatMap((a, i) => {
			if (a.startsAt > sim) return [];
			if (a.endsAt <= sim) {
				if (sent.get(i) === -1) return [];
				sent.set(i, -1);
				return [{ labels: a.labels, startsAt: real(a.startsAt), endsAt: real(a.endsAt) }];
			}
			if (sim - (sent.get(i) ?? -Infinity) < RESEND) return [];
			sent.set(i, sim);
			return [{ labels: a.labels, startsAt: real(a.startsAt), endsAt: real(sim + 4 * RESEND) }];
		});
		if (batch.length > 0) {
			const res = await fetch(`${base}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
			expect(res.ok).toBe(true);
		}
	}
	await sleep(500);

	const seen: Seen[] = receiver.requests
		.filter((r) => ['/slack', '/pagerduty', '/heartbeat'].includes(r.path))
		.map((r) => {
			const body = r.body as { status: string; alerts: { status: string; labels: Record<string, string> }[] };
			return {
				receiver: r.path.slice(1),
				at: ((r.at - t0) * SCALE) / 1000,
				status: body.status,
				firing: body.alerts.filter((a) => a.status === 'firing').map((a) => `${a.labels.alertname}/${a.labels.instance ?? ''}`).sort(),
			};
		});
	const model = loadAlertmanager(scaledConfig(readFileSync(join(dir, 'alertmanager/alertmanager.yml'), 'utf8'), receiver.url));
	// The model works in simulated seconds: undo the scaling of the timers.
	const unscale = (r: typeof model.root) => {
		r.groupWait *= SCALE;
		r.groupInterval *= SCALE;
		r.repeatInterval *= SCALE;
		r.routes.forEach(unscale);
	};
	unscale(model.root);
	const predicted = replay(model, TIMELINE, { maintenancePhase: 0, maintenanceEvery: 30 * SCALE, until: UNTIL });

	const summary = (list: { receiver: string; status: string; firing: string[] }[]) =>
		list.filter((n) => n.receiver !== 'heartbeat').map((n) => `${n.receiver} ${n.status} ${n.firing.join(',')}`);
	const ours = predicted.map((n) => ({
		receiver: n.receiver,
		status: n.kind === 'resolved' ? 'resolved' : 'firing',
		firing: n.firing.map((l) => `${l.alertname}/${l.instance ?? ''}`).sort(),
	}));
	expect(summary(seen)).toEqual(summary(ours));
	// The heartbeat: as many Watchdog pings (the last one, due right at the end, left out). No
	// timing assertions: the order and content above is what the suite's counts rest on.
	const beats = (list: { receiver: string; at: number }[]) => list.filter((n) => n.receiver === 'heartbeat' && n.at < UNTIL - 60).length;
	expect(beats(seen)).toBe(beats(predicted));
	expect(beats(seen)).toBeGreaterThanOrEqual(4);
}, 120_000);
