// n8n in queue mode, for real: PostgreSQL and Redis from Debian on 127.0.0.1,
// one `n8n start` (main), N `n8n worker`s and optionally one `n8n webhook`
// processor, each in its own user folder with this package installed exactly
// as n8n installs it (test beds share the packed tarball). All processes share
// one Postgres database, one Redis and one encryption key, as n8n's queue-mode
// docs require. Everything is stopped by PID in `stop()`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort } from '../freePort';
import type { N8nServer } from './server';
import { N8nTestBed } from './testbed';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Backend {
	port: number;
	stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve();
		else child.once('exit', () => resolve());
	});
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(child.pid!, signal);
	} catch {
		return;
	}
	const gone = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
	if (!gone) {
		try {
			process.kill(child.pid!, 'SIGKILL');
		} catch {
			// gone meanwhile
		}
		await exited(child);
	}
}

/** Debian's PostgreSQL binaries (`postgresql` package), newest major first. */
function pgBin(name: string): string {
	const root = '/usr/lib/postgresql';
	const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
	for (const major of majors) {
		const bin = join(root, major, 'bin', name);
		if (existsSync(bin)) return bin;
	}
	throw new Error(`PostgreSQL's ${name} not found under ${root}: run npm run setup (installs the postgresql package)`);
}

/**
 * PostgreSQL refuses to run as root: run its binaries as the `postgres` user
 * then, by spawning them with that uid/gid directly. Not through `runuser`: a
 * wrapper between us and the server means our signal reaches the wrapper, and
 * when it is killed the server lives on as an orphan holding our stderr pipe
 * (jest then never exits).
 */
function postgresIds(): { uid: number; gid: number } | undefined {
	if (process.getuid?.() !== 0) return undefined;
	const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
	return { uid: id('-u'), gid: id('-g') };
}

/** A throwaway PostgreSQL cluster (trust auth, loopback only, no fsync) with a database `n8n`. */
export async function startPostgres(): Promise<Backend> {
	const dir = mkdtempSync(join(tmpdir(), 'ragops-pg-'));
	const ids = postgresIds();
	if (ids) chownSync(dir, ids.uid, ids.gid);
	const data = join(dir, 'data');
	execFileSync(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { stdio: 'pipe', ...ids });
	const port = await freePort();
	const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'full_page_writes=off'];
	const child = spawn(pgBin('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...ids });
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
	const stop = async () => {
		await stopChild(child, 'SIGINT'); // "fast shutdown"
		rmSync(dir, { recursive: true, force: true });
	};
	for (let attempt = 0; attempt < 300; attempt++) {
		if (child.exitCode !== null) break;
		try {
			execFileSync(pgBin('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'n8n'], { stdio: 'pipe', ...ids });
			return { port, stop };
		} catch {
			await sleep(100);
		}
	}
	await stop();
	throw new Error(`PostgreSQL did not start:\n${stderr}`);
}

/** A throwaway Redis (no persistence) on 127.0.0.1. */
export async function startRedis(): Promise<Backend> {
	const port = await freePort();
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let out = '';
	const ready = new Promise<void>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			out = (out + chunk.toString()).slice(-4000);
			if (out.includes('Ready to accept connections')) resolve();
		};
		child.stdout?.on('data', onData);
		child.stderr?.on('data', onData);
		child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
		child.once('error', reject);
	});
	await ready;
	return { port, stop: async () => await stopChild(child) };
}

export interface QueueClusterOptions {
	workers?: number;
	/** `n8n worker --concurrency` (default 5). */
	concurrency?: number;
	/** Also start an `n8n webhook` processor (production webhooks then go there). */
	webhook?: boolean;
	env?: NodeJS.ProcessEnv;
}

export class QueueCluster {
	main!: N8nServer;
	workers: N8nServer[] = [];
	webhook?: N8nServer;

	private constructor(
		/** One test bed (user folder + installed package) per n8n process: [main, ...workers, webhook]. */
		readonly beds: N8nTestBed[],
		private readonly backends: Backend[],
		private readonly options: QueueClusterOptions,
	) {}

	/** The main's test bed: CLI commands (import, publish) run there, against the shared Postgres. */
	get bed(): N8nTestBed {
		return this.beds[0]!;
	}

	static async start(options: QueueClusterOptions = {}): Promise<QueueCluster> {
		const workerCount = options.workers ?? 2;
		const backends: Backend[] = [];
		const beds: N8nTestBed[] = [];
		let cluster: QueueCluster | undefined;
		try {
			const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
			backends.push(postgres, redis);
			const env: NodeJS.ProcessEnv = {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(redis.port),
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: '127.0.0.1',
				DB_POSTGRESDB_PORT: String(postgres.port),
				DB_POSTGRESDB_DATABASE: 'n8n',
				DB_POSTGRESDB_USER: 'postgres',
				DB_POSTGRESDB_PASSWORD: '',
				// one key for every process, or workers cannot decrypt credentials
				N8N_ENCRYPTION_KEY: 'ragops-queue-testbed-key',
				...(options.webhook ? { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true' } : {}),
				...options.env,
			};
			const count = 1 + workerCount + (options.webhook ? 1 : 0);
			for (let i = 0; i < count; i++) beds.push(await N8nTestBed.create({ env }));
			cluster = new QueueCluster(beds, backends, options);
			// The main runs the migrations; workers and the webhook processor start after it.
			await cluster.startMain();
			cluster.workers = await Promise.all(
				beds.slice(1, 1 + workerCount).map(async (bed) => await bed.startServer({ command: 'worker', args: [`--concurrency=${options.concurrency ?? 5}`] })),
			);
			if (options.webhook) cluster.webhook = await beds[1 + workerCount]!.startServer({ command: 'webhook' });
			return cluster;
		} catch (error) {
			if (cluster) await cluster.stop();
			else {
				await Promise.all(beds.map(async (b) => await b.dispose()));
				await Promise.all(backends.map(async (b) => await b.stop()));
			}
			throw error;
		}
	}

	private async startMain(): Promise<void> {
		this.main = await this.bed.startServer();
	}

	/** Stops the main (SIGTERM, as a deploy would) and starts it again on the same database. */
	async restartMain(): Promise<void> {
		await this.main.stop();
		await this.startMain();
	}

	/** Where production webhooks are served: the webhook processor when there is one. */
	webhookUrl(path: string): string {
		return (this.webhook ?? this.main).webhookUrl(path);
	}

	async stop(): Promise<void> {
		await Promise.all(this.beds.map(async (bed) => await bed.dispose()));
		await Promise.all(this.backends.map(async (b) => await b.stop()));
	}

	get workerCount(): number {
		return this.options.workers ?? 2;
	}
}
