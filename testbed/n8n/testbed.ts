// The real-n8n test bed: one isolated n8n user folder per instance, this
// package packed and installed into it as a community package, workflows
// imported and run through n8n's own CLI (Manual Trigger) or through a
// running `n8n start` (webhooks, triggers, published workflows).
//
// Jest runs on the machine's Node; n8n runs as a child process under the
// cached Node 24 (see scripts/n8n-env.sh). Everything started here is stopped
// by PID in `dispose()`. Usage: docs/testbed.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../freePort';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadWithN8nLoader, type LoadedPackage } from './loader';
import { installPackage, packageName, packPackage } from './pack';
import { ensureN8n, type N8nPaths } from './paths';
import { parseCliRun, WorkflowRun } from './run';
import { N8nServer } from './server';

export { ensureN8n, packageName, packPackage, installPackage, loadWithN8nLoader, WorkflowRun };
export type { N8nPaths, LoadedPackage };
export type { NodeItem, RawRun } from './run';
export { N8nServer } from './server';

export interface TestBedOptions {
	/** Install this package (packed from the repo) into the user folder. Default true. */
	installPackage?: boolean;
	/** Extra environment for every n8n process of this test bed. */
	env?: NodeJS.ProcessEnv;
}

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

export { freePort };

let counter = 0;

export class N8nTestBed {
	readonly paths: N8nPaths;
	/** N8N_USER_FOLDER of this instance (n8n keeps `.n8n/` with its SQLite DB and community nodes in it). */
	readonly userFolder: string;
	/** Where the package was installed, if it was. */
	packageDir?: string;
	private readonly servers = new Set<N8nServer>();
	private readonly options: TestBedOptions;
	private disposed = false;

	private constructor(options: TestBedOptions) {
		this.options = options;
		this.paths = ensureN8n();
		this.userFolder = mkdtempSync(join(tmpdir(), 'ragops-n8n-'));
	}

	/** Makes an isolated n8n home and (by default) installs this package into it. */
	static async create(options: TestBedOptions = {}): Promise<N8nTestBed> {
		const bed = new N8nTestBed(options);
		try {
			if (options.installPackage !== false) bed.packageDir = installPackage(bed.userFolder, packPackage());
		} catch (error) {
			await bed.dispose();
			throw error;
		}
		return bed;
	}

	/**
	 * The environment of every n8n process: isolated home, nothing phoning
	 * home, loopback only, and the test's own extras (`options.env`, then `extra`).
	 */
	env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
		const { node } = this.paths;
		const base: NodeJS.ProcessEnv = {
			PATH: `${node.replace(/\/node$/, '')}:${process.env.PATH ?? ''}`,
			HOME: process.env.HOME,
			TMPDIR: process.env.TMPDIR,
			LANG: process.env.LANG ?? 'C.UTF-8',
			TZ: process.env.TZ ?? 'UTC',
			N8N_USER_FOLDER: this.userFolder,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			DB_TYPE: 'sqlite',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
			EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
			N8N_LOG_LEVEL: process.env.RAGOPS_TESTBED_LOG_LEVEL ?? 'info',
			NODE_OPTIONS: '',
		};
		return { ...base, ...this.options.env, ...extra };
	}

	/** Writes JSON (or a string) to a file in the user folder, for `--input=` flags. */
	private writeInput(kind: string, json: unknown): string {
		const file = join(this.userFolder, `${kind}-${process.pid}-${++counter}.json`);
		writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
		return file;
	}

	/**
	 * Runs `n8n <args>` under Node 24 and resolves with its exit code and output
	 * (never rejects on a non-zero exit: callers decide). Asynchronous so HTTP
	 * servers in the test process keep answering while n8n talks to them.
	 */
	async cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
		this.assertAlive();
		// Each CLI run gets its own task-runner broker port: parallel test beds
		// (other jest workers, other developers) would otherwise fight over 5679.
		const brokerPort = await freePort();
		const env = this.env({ N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...extraEnv });
		return await new Promise((resolve, reject) => {
			const child = spawn(this.paths.node, [this.paths.n8nBin, ...args], {
				cwd: this.userFolder,
				env,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
			child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			child.on('error', reject);
			child.on('close', (code) => resolve({ code, stdout, stderr }));
		});
	}

	private async cliOk(args: string[]): Promise<CliResult> {
		const result = await this.cli(args);
		if (result.code !== 0) {
			throw new Error(`n8n ${args.join(' ')} exited with ${result.code}:\n${tail(result.stdout + result.stderr)}`);
		}
		return result;
	}

	/**
	 * `n8n import:workflow`. The JSON needs a top-level `id` (n8n 2.40 fails
	 * with a NOT NULL constraint otherwise); one is added when missing. Also
	 * accepts an array of workflows. Returns the (first) workflow id.
	 */
	async importWorkflow(workflow: Record<string, unknown> | Array<Record<string, unknown>>): Promise<string> {
		const list = (Array.isArray(workflow) ? workflow : [workflow]).map((wf) => ({
			...wf,
			id: (wf.id as string | undefined) ?? randomId(),
		}));
		const file = this.writeInput('workflow', Array.isArray(workflow) ? list : list[0]);
		await this.cliOk(['import:workflow', `--input=${file}`]);
		return list[0].id;
	}

	/**
	 * `n8n import:credentials`. Give `data` as a plain object: n8n encrypts it
	 * with this instance's key on import. Each credential needs `id`, `name`,
	 * `type` (e.g. `ragOpsPushgatewayApi`); `id` is added when missing.
	 * Returns the ids, for the workflow's `credentials: { <type>: { id, name } }`.
	 */
	async importCredentials(
		credentials: Array<{ id?: string; name: string; type: string; data: Record<string, unknown> }>,
	): Promise<string[]> {
		const list = credentials.map((c) => ({ ...c, id: c.id ?? randomId() }));
		const file = this.writeInput('credentials', list);
		await this.cliOk(['import:credentials', `--input=${file}`]);
		return list.map((c) => c.id);
	}

	/** `n8n publish:workflow` (2.x's word for activating): takes effect at the next `startServer()`. */
	async publishWorkflow(id: string): Promise<void> {
		await this.cliOk(['publish:workflow', `--id=${id}`]);
	}

	/**
	 * `n8n execute --id=<id> --rawOutput`: runs the workflow from its Manual
	 * Trigger to the end. Resolves with the run even when a node failed (see
	 * `run.error`); rejects only when n8n printed no run at all.
	 */
	async executeWorkflow(id: string): Promise<WorkflowRun> {
		const result = await this.cli(['execute', `--id=${id}`, '--rawOutput']);
		const raw = parseCliRun(result.stdout) ?? parseCliRun(result.stdout + '\n' + result.stderr);
		if (!raw) {
			throw new Error(`n8n execute --id=${id} printed no run (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
		}
		return new WorkflowRun(raw, result.stdout + result.stderr);
	}

	/** Imports then executes: the common case of a Manual Trigger fixture. */
	async run(workflow: Record<string, unknown>): Promise<WorkflowRun> {
		return await this.executeWorkflow(await this.importWorkflow(workflow));
	}

	/**
	 * Starts `n8n start` (or `worker` / `webhook` in queue mode) on 127.0.0.1
	 * and a free port, with `N8N_METRICS=true`, and waits until it is ready.
	 * Publish workflows before this (or use `server.activateWorkflow`).
	 */
	async startServer(
		options: { env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; command?: N8nServer['command']; args?: string[] } = {},
	): Promise<N8nServer> {
		this.assertAlive();
		const port = await freePort();
		const brokerPort = await freePort();
		const command = options.command ?? 'start';
		const env = this.env({
			N8N_PORT: String(port),
			N8N_PROTOCOL: 'http',
			N8N_WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
			N8N_METRICS: 'true',
			// publishing drains an outbox on this interval (default 15 s)
			N8N_WORKFLOW_PUBLICATION_OUTBOX_POLL_INTERVAL_MS: '500',
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			// a queue-mode worker answers /healthz on its own port
			...(command === 'worker'
				? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(port), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
				: {}),
			...options.env,
		});
		const server = new N8nServer(this.paths, this.userFolder, port, env, () => this.servers.delete(server), command, options.args);
		this.servers.add(server);
		await server.start(options.readyTimeoutMs ?? 180_000);
		return server;
	}

	/** Stops every server this test bed started and removes its user folder (unless RAGOPS_TESTBED_KEEP=1). */
	async dispose(): Promise<void> {
		if (this.disposed) return;
		this.disposed = true;
		await Promise.all([...this.servers].map((s) => s.stop()));
		if (process.env.RAGOPS_TESTBED_KEEP === '1') {
			console.log(`RAGOPS_TESTBED_KEEP=1: n8n user folder kept at ${this.userFolder}`);
			return;
		}
		rmSync(this.userFolder, { recursive: true, force: true });
	}

	private assertAlive() {
		if (this.disposed) throw new Error('This N8nTestBed was disposed');
	}
}

/** A workflow / credential id like n8n's own (16 alphanumerics). */
export function randomId(): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	let id = '';
	for (let i = 0; i < 16; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
	return id;
}

export function tail(text: string, lines = 40): string {
	return text.split('\n').slice(-lines).join('\n');
}
