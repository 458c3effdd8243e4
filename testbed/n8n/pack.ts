// Builds and packs this repo with `npm pack`, then installs the tarball into an
// n8n user folder the way n8n 2.40's own community-package installer does
// (packages/cli/src/modules/community-packages/community-packages.service.ts):
// untar into `.n8n/nodes/node_modules/<name>`, strip dev/peer/optional
// dependencies from its package.json, `npm install` its (runtime) dependencies
// there, and record it in `.n8n/nodes/package.json`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { ensureN8n, repoRoot } from './paths';

export const packageName = 'n8n-nodes-ragops';

const packCacheDir = join(repoRoot, '.tmp', 'testbed', 'pack');

function walk(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? walk(path) : [path];
	});
}

/**
 * A key over everything that goes into the tarball, so one pack serves all
 * e2e test files of a run (jest gives each file a fresh module registry, so an
 * in-memory cache would not) and is redone as soon as a source changes.
 */
function sourceKey(): string {
	const hash = createHash('sha256');
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
	delete pkg.n8n; // rewritten by the build itself from dist/
	delete pkg.scripts;
	hash.update(JSON.stringify(pkg));
	const files = [
		...walk(join(repoRoot, 'nodes')),
		...walk(join(repoRoot, 'credentials')),
		join(repoRoot, 'scripts/build.mjs'),
		join(repoRoot, 'tsconfig.json'),
		join(repoRoot, 'tsconfig.build.json'),
	].filter((f) => existsSync(f) && !f.endsWith('.test.ts'));
	for (const file of files.sort()) {
		hash.update(relative(repoRoot, file));
		hash.update(readFileSync(file));
	}
	return hash.digest('hex').slice(0, 16);
}

/**
 * `npm run build` + `npm pack`; returns the tarball path. Cached under
 * `.tmp/testbed/pack/<source hash>.tgz`; set RAGOPS_TESTBED_REPACK=1 to force.
 */
export function packPackage(): string {
	const key = sourceKey();
	const tarball = join(packCacheDir, `${packageName}-${key}.tgz`);
	if (existsSync(tarball) && process.env.RAGOPS_TESTBED_REPACK !== '1') return tarball;
	// Several jest processes (or developers) may pack at once; `npm run build`
	// empties dist/ first, so a concurrent pack could ship half a build.
	return withLock(join(packCacheDir, 'pack.lock'), () => {
		if (existsSync(tarball) && process.env.RAGOPS_TESTBED_REPACK !== '1') return tarball;
		const run = (args: string[]) =>
			execFileSync('npm', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
		const work = join(packCacheDir, `work-${process.pid}`);
		// A build running outside the lock (a developer's `npm run build`) can
		// still race us: check the tarball holds every file of its n8n block,
		// and build again once if not.
		for (let attempt = 1; ; attempt++) {
			run(['run', 'build']);
			mkdirSync(work, { recursive: true });
			try {
				const [out] = JSON.parse(run(['pack', '--json', '--pack-destination', work])) as Array<{
					filename: string;
					files: Array<{ path: string }>;
				}>;
				const { n8n } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
				const packed = new Set(out.files.map((f) => f.path));
				const missing = [...(n8n?.nodes ?? []), ...(n8n?.credentials ?? [])].filter((f: string) => !packed.has(f));
				if (missing.length === 0) {
					renameSync(join(work, out.filename), tarball);
					break;
				}
				if (attempt >= 2) throw new Error(`npm pack left out ${missing.join(', ')} (was dist/ rebuilt meanwhile?)`);
			} finally {
				rmSync(work, { recursive: true, force: true });
			}
		}
		pruneOldPacks(tarball);
		return tarball;
	});
}

/** Drops tarballs of older sources (an hour old: nobody is still installing them). */
function pruneOldPacks(keep: string) {
	for (const name of readdirSync(packCacheDir)) {
		const file = join(packCacheDir, name);
		if (file !== keep && name.endsWith('.tgz') && Date.now() - statSync(file).mtimeMs > 3_600_000) rmSync(file, { force: true });
	}
}

/** A cross-process lock: a directory (mkdir is atomic) holding the owner's PID; a dead owner's lock is taken over. */
function withLock<T>(lockDir: string, fn: () => T, timeoutMs = 10 * 60_000): T {
	mkdirSync(dirname(lockDir), { recursive: true });
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let owner = NaN;
			try {
				owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
			} catch {
				// the owner has not written its PID yet
			}
			if (Number.isInteger(owner) && !isAlive(owner)) rmSync(lockDir, { recursive: true, force: true });
			if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockDir}`);
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
		}
	}
	try {
		return fn();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** The env that runs npm under Node 24, as n8n's installer would (it uses n8n's own Node). */
export function node24Env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const { node } = ensureN8n();
	return { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}`, ...extra };
}

/** Installs the packed package into `<userFolder>/.n8n/nodes`, like Settings → Community Nodes does. */
export function installPackage(userFolder: string, tarball = packPackage()): string {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const staging = join(nodesDir, `.staging-${process.pid}`);
	rmSync(staging, { recursive: true, force: true });
	mkdirSync(staging, { recursive: true });
	// npm tarballs hold everything under `package/`
	execFileSync('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
	const name = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8')).name as string;
	const target = join(nodesDir, 'node_modules', name);
	rmSync(target, { recursive: true, force: true });
	mkdirSync(dirname(target), { recursive: true });
	renameSync(staging, target);

	const pkgPath = join(target, 'package.json');
	const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
	delete pkg.devDependencies;
	delete pkg.peerDependencies;
	delete pkg.optionalDependencies;
	writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));

	execFileSync(
		'npm',
		['install', '--ignore-scripts', '--install-strategy=shallow', '--package-lock=false', '--no-audit', '--no-fund'],
		{ cwd: target, env: node24Env(), stdio: ['ignore', 'pipe', 'pipe'] },
	);

	const manifestPath = join(nodesDir, 'package.json');
	const manifest = existsSync(manifestPath)
		? JSON.parse(readFileSync(manifestPath, 'utf8'))
		: { name: 'installed-nodes', private: true, dependencies: {} };
	manifest.dependencies = { ...manifest.dependencies, [name]: pkg.version };
	writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	return target;
}
