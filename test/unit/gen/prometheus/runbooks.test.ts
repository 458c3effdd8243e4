import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../../gen/config/load';
import { allAlerts } from '../../../../gen/prometheus/rules';
import { ROOT, SHIPPED_CONFIG } from './helpers';

/** GitHub's heading anchor: lower-case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
	const out = new Set<string>();
	for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
		out.add(m[1].toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
	}
	return out;
}

test('docs/runbooks.md has a section at the anchor of every generated Prometheus alert', () => {
	const cfg = loadConfig(SHIPPED_CONFIG);
	const present = anchors(readFileSync(join(ROOT, 'docs/runbooks.md'), 'utf8'));
	const missing = [...new Set(allAlerts(cfg).map((a) => a.annotations.runbook_url.split('#')[1]))].filter((a) => !present.has(a));
	expect(missing).toEqual([]);
});

test('the anchor check fails for a missing section', () => {
	expect(anchors('## RagApiDown\n').has('ragapidown')).toBe(true);
	expect(anchors('## RagApiDown\n').has('qdrantdown')).toBe(false);
});
