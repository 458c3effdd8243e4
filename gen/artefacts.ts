/**
 * Every artefact `npm run gen` writes, one generator module per artefact.
 * Add a module here and the CLI, `--check` and the determinism test pick it up.
 */
import type { Generator } from './types';
import { generateJsonSchema } from './config/jsonSchema';
import { generateGrafana } from './grafana';

export const GENERATORS: ReadonlyArray<{ name: string; generate: Generator }> = [
	{ name: 'config JSON Schema', generate: generateJsonSchema },
	{ name: 'Grafana provisioning and dashboards', generate: generateGrafana },
];
