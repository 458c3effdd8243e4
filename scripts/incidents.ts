/**
 * `npm run incidents [-- --config my.yaml] [--variants N] [--only 'a,b'] [--artefacts dir]`: runs the incident
 * simulation (test/support/incidents) against a config and prints, per
 * scenario, who is notified, how, and how long after the fault (the table in
 * docs/alerting.md comes from here). Exits 1 when an incident notifies other than
 * once as its severity says, late, or after recovery.
 */
import { resolve } from 'node:path';
import { markdownTable, violations } from '../test/support/incidents/report';
import { simulate } from '../test/support/incidents/simulate';

const args = process.argv.slice(2);
const opt = (name: string) => {
	const i = args.indexOf(name);
	return i >= 0 ? args[i + 1] : undefined;
};
const config = resolve(opt('--config') ?? 'ragops.config.yaml');
const variants = Number(opt('--variants') ?? 4);
const artefacts = opt('--artefacts');
const only = opt('--only')?.split(',');
const result = simulate(config, { variants, artefacts: artefacts && resolve(artefacts), only });
console.log(`Incident simulation of ${config}: ${variants} fault variants × 3 Alertmanager alignments; ${result.routingChecked} label sets routed as amtool routes them.\n`);
console.log(markdownTable(result.reports));
const broken = violations(result.reports);
if (broken.length > 0) {
	console.log(`\n${broken.length} broken promises:\n${broken.join('\n')}`);
	process.exitCode = 1;
}
