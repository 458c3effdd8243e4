// A running `n8n start` owned by a test bed: started in its own process group,
// waited on via /healthz/readiness, stopped by PID. Talks to n8n's internal
// REST API as the instance owner (set up on first use) to publish workflows
// and read executions of webhook- or trigger-started runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

import type { N8nPaths } from './paths';
import { WorkflowRun, type RawRun } from './run';

const owner = {
	email: 'owner@ragops.test',
	firstName: 'Test',
	lastName: 'Bed',
	password: 'Testbed-Passw0rd',
};
// n8n binds the auth cookie to a browser id header; any stable string works.
const browserId = 'ragops-testbed';

export interface ExecutionSummary {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	finished?: boolean;
	startedAt?: string;
	stoppedAt?: string;
}

interface PublicationStatus {
	status: string;
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage?: string | null }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class N8nServer {
	readonly baseUrl: string;
	/** Where n8n's stdout/stderr go (handy when a test fails). */
	readonly logFile: string;
	private child?: ChildProcess;
	private logStream?: WriteStream;
	private exited?: Promise<void>;
	private cookie?: string;

	constructor(
		private readonly paths: N8nPaths,
		readonly userFolder: string,
		readonly port: number,
		private readonly env: NodeJS.ProcessEnv,
		private readonly onStop: () => void,
		/** `start` (main), or in queue mode `worker` / `webhook`; `port` is where it answers /healthz. */
		readonly command: 'start' | 'worker' | 'webhook' = 'start',
		private readonly args: string[] = [],
	) {
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.logFile = join(userFolder, `n8n-${command}-${port}.log`);
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	/** Production webhook URL of a published workflow's Webhook node (`path` parameter). */
	webhookUrl(path: string): string {
		return `${this.baseUrl}/webhook/${path.replace(/^\//, '')}`;
	}

	/** The n8n log so far. */
	log(): string {
		try {
			return readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	async start(readyTimeoutMs: number): Promise<void> {
		this.logStream = createWriteStream(this.logFile);
		// detached: n8n and its task runner share a new process group, so stop()
		// can signal both through n8n's PID.
		const child = spawn(this.paths.node, [this.paths.n8nBin, this.command, ...this.args], {
			cwd: this.userFolder,
			env: this.env,
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.child = child;
		child.stdout?.pipe(this.logStream, { end: false });
		child.stderr?.pipe(this.logStream, { end: false });
		let exitCode: number | null | undefined;
		this.exited = new Promise((resolve) =>
			child.on('exit', (code) => {
				exitCode = code;
				resolve();
			}),
		);

		const deadline = Date.now() + readyTimeoutMs;
		while (Date.now() < deadline) {
			if (exitCode !== undefined) {
				throw new Error(`n8n ${this.command} exited with ${exitCode} before it was ready:\n${this.tailLog()}`);
			}
			try {
				// A worker's health server has /healthz only (QUEUE_HEALTH_CHECK_ACTIVE).
				const res = await fetch(`${this.baseUrl}${this.command === 'worker' ? '/healthz' : '/healthz/readiness'}`);
				if (res.ok) return;
			} catch {
				// not listening yet
			}
			await sleep(250);
		}
		await this.stop();
		throw new Error(`n8n ${this.command} was not ready within ${readyTimeoutMs} ms:\n${this.tailLog()}`);
	}

	private tailLog(lines = 60): string {
		return this.log().split('\n').slice(-lines).join('\n');
	}

	/** SIGTERM to n8n's process group, SIGKILL after 20 s; resolves when n8n has exited. */
	async stop(): Promise<void> {
		const child = this.child;
		if (!child?.pid) return;
		this.child = undefined;
		const signal = (sig: NodeJS.Signals) => {
			try {
				process.kill(-child.pid!, sig);
			} catch {
				// already gone
			}
		};
		if (child.exitCode === null && child.signalCode === null) {
			signal('SIGTERM');
			let timer: NodeJS.Timeout | undefined;
			const killed = await Promise.race([
				this.exited!.then(() => true),
				new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 20_000))),
			]);
			clearTimeout(timer);
			if (!killed) {
				signal('SIGKILL');
				await this.exited;
			}
		}
		// the task runner may outlive its parent for a moment
		signal('SIGKILL');
		this.logStream?.end();
		this.onStop();
	}

	/** GET a path on the server, e.g. `/metrics` or `/types/nodes.json`. No auth. */
	async get(path: string): Promise<Response> {
		return await fetch(`${this.baseUrl}${path}`);
	}

	/** The Prometheus exposition n8n serves with N8N_METRICS=true. */
	async metrics(): Promise<string> {
		const res = await this.get('/metrics');
		if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
		return await res.text();
	}

	/** Sets up the instance owner on first use and keeps its auth cookie. */
	private async login(): Promise<string> {
		if (this.cookie) return this.cookie;
		let res = await fetch(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify(owner),
		});
		if (!res.ok) {
			// owner already set up by an earlier server on this user folder
			res = await fetch(`${this.baseUrl}/rest/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'browser-id': browserId },
				body: JSON.stringify({ emailOrLdapLoginId: owner.email, password: owner.password }),
			});
		}
		if (!res.ok) throw new Error(`Could not log in to n8n as owner: ${res.status} ${await res.text()}`);
		const cookie = res.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.find((c) => c.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n answered the login without an n8n-auth cookie');
		this.cookie = cookie;
		return cookie;
	}

	/** GET a path that needs a logged-in user (e.g. `/types/nodes.json`, `/types/credentials.json`) as the owner. */
	async getAuthed(path: string): Promise<Response> {
		const cookie = await this.login();
		return await fetch(`${this.baseUrl}${path}`, { headers: { 'browser-id': browserId, cookie } });
	}

	/** Calls n8n's internal REST API (`/rest/...`) as the owner; returns the `data` field of the answer. */
	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const cookie = await this.login();
		const res = await fetch(`${this.baseUrl}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': browserId, cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} /rest${path} answered ${res.status}: ${text.slice(0, 500)}`);
		const parsed = text ? JSON.parse(text) : {};
		return (parsed && typeof parsed === 'object' && 'data' in parsed ? parsed.data : parsed) as T;
	}

	/**
	 * Publishes (activates) a workflow in the running server and waits until
	 * its triggers and webhooks are live. n8n 2.40 publishes through an outbox
	 * that a worker drains asynchronously, so the REST answer alone is not enough:
	 * poll `/rest/workflows/:id/publication-status` until this version is live.
	 */
	async activateWorkflow(id: string, timeoutMs = 60_000): Promise<void> {
		const workflow = await this.rest<{ versionId: string }>('GET', `/workflows/${id}`);
		await this.rest('POST', `/workflows/${id}/activate`, { versionId: workflow.versionId });
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const status = await this.rest<PublicationStatus>('GET', `/workflows/${id}/publication-status`);
			const failed = status.triggers.filter((t) => t.status === 'failed');
			if (failed.length > 0) {
				throw new Error(`Publishing workflow ${id} failed: ${failed.map((t) => t.errorMessage).join('; ')}`);
			}
			if (status.status !== 'in_progress' && status.liveVersionId === workflow.versionId) return;
			if (Date.now() > deadline) throw new Error(`Workflow ${id} not live after ${timeoutMs} ms: ${JSON.stringify(status)}`);
			await sleep(200);
		}
	}

	/** Executions of a workflow, newest first. */
	async listExecutions(workflowId: string): Promise<ExecutionSummary[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = await this.rest<{ results: ExecutionSummary[] }>('GET', `/executions?filter=${filter}&limit=100`);
		return page.results;
	}

	/** One execution with its full run data (n8n stores it "flatted"; unflattened here). */
	async getExecution(executionId: string): Promise<WorkflowRun> {
		const execution = await this.rest<Record<string, unknown> & { data: unknown }>('GET', `/executions/${executionId}`);
		const data = typeof execution.data === 'string' ? unflatten(execution.data) : execution.data;
		return new WorkflowRun({ ...execution, data } as RawRun);
	}

	/**
	 * Waits until the workflow has at least `count` finished executions (not
	 * new/running/waiting) and returns the newest one's run. For webhook or
	 * trigger-started runs.
	 */
	async waitForExecution(workflowId: string, options: { count?: number; timeoutMs?: number } = {}): Promise<WorkflowRun> {
		const count = options.count ?? 1;
		const deadline = Date.now() + (options.timeoutMs ?? 60_000);
		for (;;) {
			const done = (await this.listExecutions(workflowId)).filter(
				(e) => !['new', 'running', 'waiting'].includes(e.status),
			);
			if (done.length >= count) {
				const newest = done.sort((a, b) => Number(b.id) - Number(a.id))[0];
				return await this.getExecution(newest.id);
			}
			if (Date.now() > deadline) {
				throw new Error(`Workflow ${workflowId} has ${done.length} finished execution(s), expected ${count}`);
			}
			await sleep(250);
		}
	}
}

/**
 * n8n stores execution data with `flatted` (a JSON superset for circular
 * structures): an array whose element 0 is the root and whose string values
 * that are numeric indices point to other elements.
 */
export function unflatten(text: string): unknown {
	const table = JSON.parse(text) as unknown[];
	const seen = new Map<number, unknown>();
	const revive = (index: number): unknown => {
		if (seen.has(index)) return seen.get(index);
		const value = table[index];
		if (value === null || typeof value !== 'object') {
			seen.set(index, value);
			return value;
		}
		const out: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
		seen.set(index, out);
		for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
			(out as Record<string, unknown>)[k] = typeof v === 'string' ? revive(Number(v)) : v;
		}
		return out;
	};
	return revive(0);
}
