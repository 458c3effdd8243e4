/**
 * Starting and stopping the Debian Prometheus-family binaries on 127.0.0.1:
 * spawn, wait for `/-/ready`, stop by PID. `stop()` waits for the exit before
 * resolving, so a caller can remove the data dir right after (removing it
 * while the process still writes fails with ENOTEMPTY).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { freePort } from './freePort';

export interface ManagedProcess {
	readonly name: string;
	readonly pid: number;
	readonly url: string;
	readonly logFile: string;
	log(): string;
	stop(): Promise<void>;
}

export { freePort };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
	return new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null) resolve();
		else child.once('exit', () => resolve());
	});
}

/**
 * Spawns `bin args`, logging to `logFile`, and waits until `url + readyPath`
 * answers 200. Readiness is bounded by attempts (600 × 100 ms), not asserted
 * as a time: a loaded 2-core machine may be slow.
 */
export async function startProcess(opts: {
	name: string;
	bin: string;
	args: string[];
	url: string;
	logFile: string;
	readyPath?: string;
}): Promise<ManagedProcess> {
	const log = createWriteStream(opts.logFile);
	const child = spawn(opts.bin, opts.args, { stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout?.pipe(log, { end: false });
	child.stderr?.pipe(log, { end: false });
	const done = exited(child);
	const proc: ManagedProcess = {
		name: opts.name,
		pid: child.pid!,
		url: opts.url,
		logFile: opts.logFile,
		log: () => {
			try {
				return readFileSync(opts.logFile, 'utf8');
			} catch {
				return '';
			}
		},
		stop: async () => {
			// Ctrl-C in a terminal signals the whole foreground process group, so the
			// child may be exiting already: a signal to a gone PID is not an error.
			const signal = (sig: NodeJS.Signals) => {
				try {
					process.kill(child.pid!, sig);
				} catch {
					// already exited
				}
			};
			if (child.exitCode === null && child.signalCode === null) {
				signal('SIGTERM');
				// The grace timer is cleared once the child is gone: left pending it kept jest from exiting.
				let grace: NodeJS.Timeout | undefined;
				const expired = new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), 15_000)));
				const gone = await Promise.race([done.then(() => true), expired]);
				clearTimeout(grace);
				if (!gone) {
					signal('SIGKILL');
					await done;
				}
			}
			log.end();
		},
	};
	for (let attempt = 0; attempt < 600; attempt++) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(`${opts.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${proc.log().slice(-3000)}`);
		}
		try {
			if ((await fetch(`${opts.url}${opts.readyPath ?? '/-/ready'}`)).ok) return proc;
		} catch {
			// not listening yet
		}
		await sleep(100);
	}
	await proc.stop();
	throw new Error(`${opts.name} was not ready at ${opts.url}:\n${proc.log().slice(-3000)}`);
}

/**
 * Runs `code` in a child process of its own (a bench's local server: its timers and sockets
 * then do not compete with the bench's event loop). The script prints the port it listens on,
 * 127.0.0.1, as its first stdout line.
 */
export function startScriptServer(code: string): Promise<{ child: ChildProcess; base: string }> {
	const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', (exitCode) => reject(new Error(`bench server exited (${exitCode}) before it listened`)));
		child.stdout!.once('data', (chunk: Buffer) => resolve({ child, base: `http://127.0.0.1:${chunk.toString().trim()}` }));
	});
}
