// Runs n8n's own verification scanner (@n8n/scan-community-package) on this
// package exactly as n8n does before verifying a community package: its ESLint
// rule set over the source (package.json, nodes/, credentials/) and over the
// packed tarball's compiled .js and package.json. Only the registry/provenance
// download steps are skipped: we lint what `npm pack` would publish.
//
//   npm run scan        (after npm run build)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzePackage, SOURCE_FILE_PATTERNS } from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'ragops-scan-'));
try {
	const [{ filename }] = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
	);
	execFileSync('tar', ['xzf', join(work, filename), '-C', work]);
	const source = await analyzePackage(root, SOURCE_FILE_PATTERNS);
	const dist = await analyzePackage(join(work, 'package'), ['**/*.js', 'package.json']);
	for (const [leg, result] of [['source', source], ['tarball', dist]]) {
		console.log(`${result.passed ? 'PASS' : 'FAIL'} scanner on the ${leg}${result.message ? `: ${result.message}` : ''}`);
		if (result.details) console.log(result.details);
	}
	process.exitCode = source.passed && dist.passed ? 0 : 1;
} finally {
	rmSync(work, { recursive: true, force: true });
}
