// Builds the shippable package into dist/: the compiled nodes and credentials,
// their codex JSON and icons, and nothing else (generators and tests never
// ship). Also rewrites package.json's `n8n` block from what is in dist/, so a
// new node cannot be forgotten there.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
	stdio: 'inherit',
});

function walk(dir) {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? walk(path) : [path];
	});
}

const assets = /\.(svg|png|node\.json)$/;
for (const top of ['nodes', 'credentials']) {
	if (!existsSync(join(root, top))) continue;
	for (const file of walk(join(root, top))) {
		if (assets.test(file)) cpSync(file, join(dist, relative(root, file)));
	}
}

const toPosix = (p) => p.split(sep).join('/');
const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
const built = existsSync(dist) ? walk(dist).map((f) => toPosix(relative(root, f))) : [];
const nodes = built.filter((f) => /^dist\/nodes\/[^/]+\/[^/]+\.node\.js$/.test(f)).sort();
const credentials = built.filter((f) => /^dist\/credentials\/[^/]+\.credentials\.js$/.test(f)).sort();
const before = JSON.stringify(pkg.n8n);
pkg.n8n = { ...pkg.n8n, nodes, credentials };
if (JSON.stringify(pkg.n8n) !== before) {
	writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
	console.log('package.json n8n block updated:', nodes.length, 'nodes,', credentials.length, 'credentials');
}
console.log(`dist/ built: ${built.length} files`);
