/**
 * Starts a real `prometheus-pushgateway` (Debian package, /usr/bin) for a
 * test: on 127.0.0.1, a free ephemeral port, persistence off (metrics in
 * memory only), its own temp dir; stopped by its PID.
 *
 * ```ts
 * const pgw = await startPushgateway();
 * // ... pgw.url is http://127.0.0.1:<port>
 * const text = await pgw.metrics();   // GET /metrics
 * await pgw.stop();
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './freePort';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN ?? '/usr/bin/prometheus-pushgateway';

export interface PushgatewayServer {
	url: string;
	port: number;
	pid: number;
	/** The Pushgateway's own `/metrics` text (pushed groups + its self-metrics). */
	metrics(headers?: Record<string, string>): Promise<string>;
	/** Everything the process wrote to stderr so far (its log). */
	log(): string;
	stop(): Promise<void>;
}

export interface StartOptions {
	/** A `--web.config.file` body (YAML), e.g. `basic_auth_users:` with bcrypt hashes. */
	webConfig?: string;
}

function exited(child: ChildProcess): Promise<number | null> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
		else child.once('exit', (code) => resolve(code));
	});
}

async function waitReady(url: string, child: ChildProcess, headers: Record<string, string>): Promise<boolean> {
	// Bounded by attempts, not by a wall-clock assertion: readiness takes
	// ~100 ms; 300 × 50 ms tolerates a loaded 2-core machine.
	for (let attempt = 0; attempt < 300; attempt++) {
		if (child.exitCode !== null || child.signalCode !== null) return false;
		try {
			const res = await fetch(`${url}/-/ready`, { headers });
			if (res.status === 200 || res.status === 401) return true;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 50));
	}
	return false;
}

export async function startPushgateway(opts: StartOptions = {}): Promise<PushgatewayServer> {
	const dir = mkdtempSync(join(tmpdir(), 'ragops-pgw-'));
	const args: string[] = ['--persistence.file=', '--log.level=warn'];
	if (opts.webConfig !== undefined) {
		const file = join(dir, 'web.yml');
		writeFileSync(file, opts.webConfig);
		args.push(`--web.config.file=${file}`);
	}
	for (let attempt = 0; attempt < 5; attempt++) {
		const port = await freePort();
		const child = spawn(PUSHGATEWAY_BIN, [...args, `--web.listen-address=127.0.0.1:${port}`], {
			cwd: dir,
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr!.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
		const url = `http://127.0.0.1:${port}`;
		const ready = await Promise.race([waitReady(url, child, {}), spawnError.then((e) => e)]);
		if (ready instanceof Error) {
			rmSync(dir, { recursive: true, force: true });
			throw new Error(`cannot start ${PUSHGATEWAY_BIN}: ${ready.message} (apt-get install prometheus-pushgateway)`);
		}
		if (!ready) {
			if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
			await exited(child);
			if (/address already in use/i.test(stderr)) continue;
			rmSync(dir, { recursive: true, force: true });
			throw new Error(`prometheus-pushgateway did not become ready on ${url}:\n${stderr}`);
		}
		const pid = child.pid!;
		return {
			url,
			port,
			pid,
			metrics: async (headers: Record<string, string> = {}) => {
				const res = await fetch(`${url}/metrics`, { headers });
				if (res.status !== 200) throw new Error(`GET ${url}/metrics: HTTP ${res.status}`);
				return await res.text();
			},
			log: () => stderr,
			stop: async () => {
				if (child.exitCode === null && child.signalCode === null) {
					process.kill(pid, 'SIGTERM');
					await exited(child);
				}
				rmSync(dir, { recursive: true, force: true });
			},
		};
	}
	rmSync(dir, { recursive: true, force: true });
	throw new Error('prometheus-pushgateway: no free port after 5 attempts');
}
