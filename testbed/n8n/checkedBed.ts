/**
 * An n8n test bed (testbed/n8n) whose installed package is checked to be
 * complete: every file of its package.json `n8n` block must be there.
 *
 * Why: the test bed caches the packed tarball by a hash of the sources, and a
 * build running at the same moment in the shared checkout (outside the test
 * bed's pack lock, e.g. a plain `npm run build`) can empty dist/ while
 * `npm pack` reads it. Such a tarball (package.json and README only) was seen
 * in the cache here; n8n then starts with "Unrecognized node type" for every
 * node. Since 62fb4b3 the test bed checks each new pack, but a tarball cached
 * before that is still served as is; so the install is checked here too and
 * repacked once (RAGOPS_TESTBED_REPACK=1, which also overwrites the cached
 * tarball) before giving up with a clear error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { N8nTestBed } from './testbed';

function missingFiles(packageDir: string | undefined): string[] {
	if (!packageDir) return ['(package not installed)'];
	const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { n8n?: { nodes?: string[]; credentials?: string[] } };
	const files = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])];
	if (files.length === 0) return ['(package.json has no n8n block)'];
	return files.filter((f) => !existsSync(join(packageDir, f)));
}

export async function createCheckedTestBed(): Promise<N8nTestBed> {
	for (let attempt = 0; attempt < 2; attempt++) {
		const previous = process.env.RAGOPS_TESTBED_REPACK;
		if (attempt > 0) process.env.RAGOPS_TESTBED_REPACK = '1';
		let bed: N8nTestBed;
		try {
			bed = await N8nTestBed.create();
		} finally {
			if (previous === undefined) delete process.env.RAGOPS_TESTBED_REPACK;
			else process.env.RAGOPS_TESTBED_REPACK = previous;
		}
		const missing = missingFiles(bed.packageDir);
		if (missing.length === 0) return bed;
		await bed.dispose();
		if (attempt > 0) throw new Error(`the packed n8n-nodes-ragops is incomplete even after a repack; missing: ${missing.slice(0, 5).join(', ')}`);
		console.warn(`[n8n bed] installed package is incomplete (missing ${missing.slice(0, 3).join(', ')}…): repacking once`);
	}
	throw new Error('unreachable');
}
