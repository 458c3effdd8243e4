// Loads an installed community package with n8n's own loader
// (n8n-core's PackageDirectoryLoader, the class `n8n start` uses for every
// folder under .n8n/nodes/node_modules), in a Node 24 child process with n8n's
// node_modules on NODE_PATH as n8n sets it. Fast (no DB, no server) and
// exactly as strict as n8n: a class named unlike its file, a broken
// description or a missing file fails here like it would in n8n.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { ensureN8n } from './paths';

export interface LoadedPackage {
	packageName: string;
	/** node name → file it came from (relative to the package) */
	nodes: Record<string, string>;
	/** credential type name → file it came from */
	credentials: Record<string, string>;
	/** The node types as n8n registers them: `<packageName>.<nodeName>`. */
	nodeTypes: string[];
}

const script = `
const { PackageDirectoryLoader } = require(process.argv[1]);
(async () => {
	const loader = new PackageDirectoryLoader(process.argv[2]);
	await loader.loadAll();
	const pick = (known) => Object.fromEntries(Object.entries(known).map(([name, v]) => [name, v.sourcePath]));
	process.stdout.write(JSON.stringify({
		packageName: loader.packageName,
		nodes: pick(loader.known.nodes),
		credentials: pick(loader.known.credentials),
	}));
})().catch((error) => { console.error(error && error.stack || error); process.exit(1); });
`;

export async function loadWithN8nLoader(packageDir: string): Promise<LoadedPackage> {
	const { node, n8nDir } = ensureN8n();
	const nodeModules = join(n8nDir, 'node_modules');
	const stdout = await new Promise<string>((resolve, reject) =>
		execFile(
			node,
			['-e', script, join(nodeModules, 'n8n-core'), packageDir],
			{ env: { ...process.env, NODE_PATH: nodeModules, NODE_OPTIONS: '' }, maxBuffer: 16 * 1024 * 1024 },
			(error, out, err) => (error ? reject(new Error(`n8n's loader failed on ${packageDir}:\n${err || error.message}`)) : resolve(out)),
		),
	);
	const loaded = JSON.parse(stdout) as Omit<LoadedPackage, 'nodeTypes'>;
	return { ...loaded, nodeTypes: Object.keys(loaded.nodes).map((name) => `${loaded.packageName}.${name}`) };
}
