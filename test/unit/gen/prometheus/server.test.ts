/**
 * The generated prometheus.yml and rules loaded by a real Prometheus (Debian's
 * 2.42) on 127.0.0.1: every rule group is loaded with its rules and the
 * Watchdog really fires. Targets are unreachable here (compose host names);
 * that is what the absent/up alerts are for, not what this test checks.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, type ManagedProcess } from '../../../../testbed/processes';
import { loadConfig } from '../../../../gen/config/load';
import { buildRuleGroups } from '../../../../gen/prometheus/rules';
import { generateInto, SHIPPED_CONFIG } from './helpers';

let dir: string;
let prom: ManagedProcess | undefined;
let base: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T>(path: string): Promise<T> {
	return ((await (await fetch(`${base}${path}`)).json()) as { data: T }).data;
}

beforeAll(async () => {
	dir = generateInto();
	const port = await freePort();
	base = `http://127.0.0.1:${port}`;
	prom = await startProcess({
		name: 'prometheus',
		bin: 'prometheus',
		args: [
			`--config.file=${join(dir, 'prometheus/prometheus.yml')}`,
			`--storage.tsdb.path=${join(dir, 'tsdb')}`,
			`--web.listen-address=127.0.0.1:${port}`,
		],
		url: base,
		logFile: join(dir, 'prometheus.log'),
	});
}, 60_000);

afterAll(async () => {
	await prom?.stop();
	rmSync(dir, { recursive: true, force: true });
});

test('a real Prometheus loads every generated rule group with all its rules', async () => {
	const expected = buildRuleGroups(loadConfig(SHIPPED_CONFIG)).map((g) => [g.name, g.rules.length]);
	const data = await getJson<{ groups: { name: string; rules: unknown[] }[] }>('/api/v1/rules');
	const loaded = data.groups.map((g) => [g.name, g.rules.length]);
	expect(loaded.sort()).toEqual(expected.sort());
});

test('a real Prometheus fires the Watchdog with its labels', async () => {
	let alerts: { labels: Record<string, string>; state: string }[] = [];
	// Rules are evaluated every 15s from start-up: wait for the first evaluation.
	for (let i = 0; i < 300 && !alerts.some((a) => a.labels.alertname === 'Watchdog'); i++) {
		alerts = (await getJson<{ alerts: typeof alerts }>('/api/v1/alerts')).alerts;
		await sleep(100);
	}
	const watchdog = alerts.find((a) => a.labels.alertname === 'Watchdog');
	expect(watchdog).toMatchObject({ state: 'firing', labels: { severity: 'info', service: 'ragops' } });
}, 60_000);
