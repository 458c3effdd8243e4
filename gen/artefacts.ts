/**
 * Every artefact `npm run gen` writes, one generator module per artefact.
 * Add a module here and the CLI, `--check` and the determinism test pick it up.
 */
import type { Generator } from './types';
import { generateJsonSchema } from './config/jsonSchema';
import { generatePrometheusConfig } from './prometheus/scrape';
import { generatePrometheusRules } from './prometheus/rules';
import { generateAlertmanager } from './alertmanager/config';
import { generateGrafana } from './grafana';
import { generateLoki } from './loki';
import { generateCompose } from './compose';
import { generateMixin } from './mixin';
import { generateWorkflows } from './workflows';

export const GENERATORS: ReadonlyArray<{ name: string; generate: Generator }> = [
	{ name: 'config JSON Schema', generate: generateJsonSchema },
	{ name: 'Prometheus config', generate: generatePrometheusConfig },
	{ name: 'Prometheus rules', generate: generatePrometheusRules },
	{ name: 'Alertmanager config and templates', generate: generateAlertmanager },
	{ name: 'Grafana provisioning and dashboards', generate: generateGrafana },
	{ name: 'Loki, LogQL rules and Alloy', generate: generateLoki },
	{ name: 'docker-compose.observability.yml and secret examples', generate: generateCompose },
	{ name: 'jsonnet mixin', generate: generateMixin },
	{ name: 'n8n workflows', generate: (config) => generateWorkflows(config) },
];
