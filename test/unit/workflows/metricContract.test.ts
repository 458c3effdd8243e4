/**
 * The metric contract, from the workflows' side: every `ragops_*` metric the
 * generated rules and dashboards of the shipped config query is pushed by a
 * node that is present, with *Push Metrics* on, in a shipped workflow. Which
 * node pushes which metric is read from the node sources (the
 * `METRICS.<key>` each node folder, or a sibling node folder it imports,
 * refers to), not from a table here. Without this a rule could watch a series
 * that no workflow a user imports ever writes: the catalog test alone proves
 * only that some node could.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { metricsUsedBy } from '../../../gen/catalog';
import { METRICS } from '../../../nodes/shared/metricCatalog';
import { repoRoot } from '../../../testbed/n8n/paths';
import { PACKAGE_PREFIX, packageNodeDescriptions, readWorkflow, workflowFileNames } from './workflowFiles';
import { generatedExpressions, SHIPPED_CONFIG } from '../gen/prometheus/helpers';

/**
 * Producers no shipped workflow holds yet, with where they are coming from.
 * The test fails when one of these appears in a workflow, so the entry is removed.
 */
const NOT_YET_SHIPPED: Record<string, string> = {
};

function tsFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((f) => {
		const path = join(dir, f);
		return statSync(path).isDirectory() ? tsFiles(path) : f.endsWith('.ts') ? [path] : [];
	});
}

/** Node type → metric names its code pushes (its folder, plus sibling node folders it imports). */
function pushedByNodeType(): Map<string, Set<string>> {
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	const folders = pkg.n8n.nodes.map((e) => /^dist\/nodes\/([^/]+)\//.exec(e)![1]!).filter((f) => existsSync(join(repoRoot, 'nodes', f)));
	const keysOf = (folder: string, seen = new Set<string>()): Set<string> => {
		seen.add(folder);
		const keys = new Set<string>();
		for (const file of tsFiles(join(repoRoot, 'nodes', folder))) {
			const text = readFileSync(file, 'utf8');
			for (const m of text.matchAll(/\bMETRICS\.(\w+)/g)) keys.add(m[1]!);
			for (const m of text.matchAll(/from '\.\.\/([A-Z]\w+)\//g)) {
				if (!seen.has(m[1]!) && folders.includes(m[1]!)) for (const k of keysOf(m[1]!, seen)) keys.add(k);
			}
		}
		return keys;
	};
	const descriptions = packageNodeDescriptions();
	const out = new Map<string, Set<string>>();
	for (const folder of folders) {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const mod = require(join(repoRoot, 'nodes', folder, `${folder}.node`)) as Record<string, new () => { description: { name: string } }>;
		const name = new mod[folder]!().description.name;
		if (!descriptions.has(name)) continue;
		const names = [...keysOf(folder)].map((k) => METRICS[k as keyof typeof METRICS]?.name).filter((n): n is string => n !== undefined);
		out.set(`${PACKAGE_PREFIX}${name}`, new Set(names));
	}
	return out;
}

/** Every metric name the generated rules and Grafana dashboards of the shipped config query. */
function usedMetrics(): Set<string> {
	return new Set(generatedExpressions(SHIPPED_CONFIG).flatMap((e) => metricsUsedBy(e)));
}

const producers = pushedByNodeType();
/** Node types that push from some shipped workflow. */
const shippedPushers = new Set(
	workflowFileNames().flatMap((f) => readWorkflow(f).nodes.filter((n) => !n.disabled || /trigger$/i.test(n.type)).filter((n) => n.parameters.pushMetrics === true).map((n) => n.type)),
);

test('the producers are read from the node sources: every pushed metric has exactly one node type, the health watch shares the health check\'s', () => {
	const owners = new Map<string, string[]>();
	for (const [type, names] of producers) for (const n of names) owners.set(n, [...(owners.get(n) ?? []), type]);
	for (const m of Object.values(METRICS)) expect({ metric: m.name, has: (owners.get(m.name) ?? []).length > 0 }).toEqual({ metric: m.name, has: true });
	expect([...producers.get(`${PACKAGE_PREFIX}ragHealthWatchTrigger`)!].sort()).toEqual([...producers.get(`${PACKAGE_PREFIX}ragHealthCheck`)!].sort());
});

test('every ragops_* metric the generated rules and dashboards use is pushed by a node present in a shipped workflow (Push Metrics on)', () => {
	const used = [...usedMetrics()].filter((n) => n.startsWith('ragops_')).sort();
	expect(used.length).toBeGreaterThan(10);
	const unproduced = used.filter((name) => ![...producers].some(([type, names]) => names.has(name) && shippedPushers.has(type)));
	// What is missing is exactly what the known-pending producers would push: nothing else.
	const pendingNames = new Set(Object.keys(NOT_YET_SHIPPED).flatMap((t) => [...(producers.get(t) ?? [])]));
	expect(unproduced.filter((n) => !pendingNames.has(n))).toEqual([]);
	if (unproduced.length > 0) console.warn(`metric contract: used by rules/dashboards but no shipped workflow pushes them yet: ${unproduced.join(', ')}`);
});

test('the known-pending producers are still absent from the shipped workflows (remove an entry once its workflow ships)', () => {
	for (const [type, why] of Object.entries(NOT_YET_SHIPPED)) expect({ type, why, shipped: shippedPushers.has(type) }).toEqual({ type, why, shipped: false });
});
