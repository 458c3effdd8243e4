import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateInto, ROOT, run } from '../prometheus/helpers';

interface RouteCase {
	name: string;
	labels: Record<string, string>;
	receiver: string;
}

const cases = parse(readFileSync(join(ROOT, 'alertmanager/routes.test.yml'), 'utf8')) as RouteCase[];
let dir: string;
let configFile: string;

beforeAll(() => {
	dir = generateInto();
	configFile = join(dir, 'alertmanager/alertmanager.yml');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function routesTest(receiver: string, labels: Record<string, string>) {
	const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
	return run('amtool', ['config', 'routes', 'test', `--config.file=${configFile}`, `--verify.receivers=${receiver}`, ...pairs]);
}

describe('generated alertmanager.yml', () => {
	test('amtool check-config accepts it, with its template', () => {
		const result = run('amtool', ['check-config', configFile]);
		expect(result.output).toContain('1 templates');
		expect(result.code).toBe(0);
	});

	test.each(cases.map((c) => [c.name, c] as const))('routes: %s', (_name, c) => {
		const result = routesTest(c.receiver, c.labels);
		expect(result.output.trim()).toBe(c.receiver);
		expect(result.code).toBe(0);
	});

	test('the routing check can fail: a critical alert does not route to slack', () => {
		const result = routesTest('slack', { alertname: 'RagApiDown', severity: 'critical', service: 'rag-api' });
		expect(result.code).not.toBe(0);
	});

	test('secrets are only referenced through *_file fields', () => {
		const text = readFileSync(configFile, 'utf8');
		expect(text).toContain('api_url_file: /etc/alertmanager/secrets/slack-webhook-url');
		expect(text).toContain('routing_key_file: /etc/alertmanager/secrets/pagerduty-routing-key');
		expect(text).not.toMatch(/\b(api_url|routing_key|service_key):/);
	});

	test('amtool rejects a broken config (the check is real)', () => {
		const broken = join(dir, 'alertmanager/broken.yml');
		writeFileSync(broken, readFileSync(configFile, 'utf8').replace('receiver: slack', 'receiver: nobody'));
		expect(run('amtool', ['check-config', broken]).code).not.toBe(0);
	});
});
