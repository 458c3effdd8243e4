/**
 * Secret-leak scan over what `npm run gen` writes: a password pasted into any
 * URL of the config is refused (and not echoed in the error), a heartbeat that
 * needs credentials gets them only as `password_file` (a mounted secret), and
 * neither the generated files nor the committed artefacts carry a URL with
 * user:password in it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { GENERATORS } from '../../../gen/artefacts';
import { main } from '../../../gen/cli';
import { parseConfig } from '../../../gen/config/load';
import { ROOT, run, SHIPPED_CONFIG } from './prometheus/helpers';

const PASSWORD = 'Leak-Canary-5c1d9e';
const USERINFO_URL = /[a-z][a-z0-9+.-]*:\/\/[^/\s"'@]*:[^/\s"'@]*@/i;

type Config = ReturnType<typeof base>;
const base = () => parse(readFileSync(SHIPPED_CONFIG, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function files(dir: string): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (d: string) => {
		for (const name of readdirSync(d)) {
			const p = join(d, name);
			if (statSync(p).isDirectory()) walk(p);
			else out.set(relative(dir, p), readFileSync(p, 'utf8'));
		}
	};
	walk(dir);
	return out;
}

function runGen(args: string[]): { code: number; output: string } {
	const lines: string[] = [];
	const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
	const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
	try {
		return { code: main(args), output: lines.join('\n') };
	} finally {
		err.mockRestore();
		log.mockRestore();
	}
}

let work: string;
beforeAll(() => {
	work = mkdtempSync(join(tmpdir(), 'ragops-leak-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PASTED: [string, (c: Config) => void][] = [
	['heartbeat URL user:password', (c) => void (c.alerting.receivers.heartbeat.url = `https://watchdog:${PASSWORD}@hb.example.com/ping`)],
	['heartbeat URL token as user', (c) => void (c.alerting.receivers.heartbeat.url = `https://${PASSWORD}@hb.example.com/ping`)],
	['heartbeat URL percent-encoded password', (c) => void (c.alerting.receivers.heartbeat.url = `https://w:${encodeURIComponent(PASSWORD + '@!')}@hb.example.com/`)],
	['runbook URL user:password', (c) => void (c.runbookBaseUrl = `https://ops:${PASSWORD}@wiki.example.com/runbooks.md`)],
	['Grafana URL user:password', (c) => void (c.grafanaUrl = `http://admin:${PASSWORD}@grafana:3000`)],
];

test.each(PASTED)('a password pasted into the %s is refused, not written and not echoed', (_what, paste) => {
	const cfg = base();
	paste(cfg);
	const file = join(work, 'pasted.yaml');
	writeFileSync(file, stringify(cfg));
	const out = mkdtempSync(join(work, 'out-'));
	const result = runGen(['--config', file, '--out', out]);
	expect(result.code).toBe(2);
	expect(result.output).toMatch(/must not contain a user name or password/);
	expect(result.output).not.toContain(PASSWORD);
	expect(result.output).not.toContain(encodeURIComponent(PASSWORD));
	expect(readdirSync(out)).toEqual([]);
});

test('a heartbeat with basic auth gets the password only as a mounted file, and amtool accepts it', () => {
	const cfg = base();
	cfg.alerting.receivers.heartbeat.basicAuth = { username: 'watchdog', passwordFile: '/etc/alertmanager/secrets/heartbeat-password' };
	const file = join(work, 'basic-auth.yaml');
	writeFileSync(file, stringify(cfg));
	const out = mkdtempSync(join(work, 'out-'));
	expect(runGen(['--config', file, '--out', out]).code).toBe(0);
	const written = files(out);

	const am = parse(written.get('alertmanager/alertmanager.yml')!);
	const heartbeat = am.receivers.find((r: { name: string }) => r.name === 'heartbeat').webhook_configs[0];
	expect(heartbeat.http_config).toEqual({ basic_auth: { username: 'watchdog', password_file: '/etc/alertmanager/secrets/heartbeat-password' } });
	expect(heartbeat.url).toBe('http://heartbeat.example.com/ping/ragops');
	const check = run('amtool', ['check-config', join(out, 'alertmanager/alertmanager.yml')]);
	expect([check.code, check.output]).toEqual([0, expect.stringContaining('SUCCESS')]);

	const compose = parse(written.get('docker-compose.observability.yml')!);
	expect(compose.services.alertmanager.secrets).toContainEqual({ source: 'heartbeat_password', target: '/etc/alertmanager/secrets/heartbeat-password' });
	expect(compose.secrets.heartbeat_password).toEqual({ file: './secrets/heartbeat-password' });
	expect(written.has('secrets/heartbeat-password.example')).toBe(true);
});

test('the secret example files are placeholders, and the real secret files are gitignored', () => {
	const cfg = parseConfig(readFileSync(SHIPPED_CONFIG, 'utf8'));
	const generated = GENERATORS.flatMap((g) => g.generate(cfg));
	const gitignore = generated.find((f) => f.path === 'secrets/.gitignore')!.content;
	expect(gitignore).toMatch(/^\*$/m);
	expect(gitignore).toMatch(/^!\*\.example$/m);
	for (const f of generated.filter((x) => x.path.startsWith('secrets/') && x.path.endsWith('.example'))) {
		expect([f.path, f.content]).toEqual([f.path, expect.stringMatching(/X{8}|0123456789abcdef|change-me|replace-with|heartbeat-basic-auth-password/)]);
	}
});

test('no committed or generated artefact carries a URL with user:password', () => {
	const cfg = parseConfig(readFileSync(SHIPPED_CONFIG, 'utf8'));
	const generated = GENERATORS.flatMap((g) => g.generate(cfg));
	expect(generated.length).toBeGreaterThan(20);
	for (const f of generated) {
		expect([f.path, USERINFO_URL.exec(f.content)?.[0]]).toEqual([f.path, undefined]);
		// The committed copy is what users deploy; `gen --check` keeps it equal to the generated one.
		const committed = readFileSync(join(ROOT, f.path), 'utf8');
		expect([f.path, USERINFO_URL.exec(committed)?.[0]]).toEqual([f.path, undefined]);
	}
});
