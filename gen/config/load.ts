/**
 * Reads ragops.config.yaml and returns a validated config, or throws a
 * ConfigError whose lines each name one exact path and what is wrong there
 * (`services[2].slo.availability: must be below 100 …`).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod/v4';
import { ragopsConfigSchema, type RagopsConfig } from './schema';

export class ConfigError extends Error {
	constructor(
		readonly file: string,
		readonly problems: string[],
	) {
		super(`${file}: invalid config\n${problems.map((p) => `  ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

export function formatPath(path: readonly PropertyKey[]): string {
	let out = '';
	for (const key of path) {
		if (typeof key === 'number') out += `[${key}]`;
		else out += out ? `.${String(key)}` : String(key);
	}
	return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
	if (issue.code === 'unrecognized_keys') {
		return issue.keys
			.map((key) => `${formatPath([...issue.path, key])}: unknown key (check the spelling; see ragops.config.schema.json)`)
			.join('\n');
	}
	if (issue.code === 'invalid_type' && issue.input === undefined) {
		return `${formatPath(issue.path)}: required (${issue.expected})`;
	}
	return `${formatPath(issue.path)}: ${issue.message}`;
}

export function parseConfig(text: string, file = 'ragops.config.yaml'): RagopsConfig {
	const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
	if (doc.errors.length > 0) {
		throw new ConfigError(
			file,
			doc.errors.map((e) => `line ${(e.linePos?.[0]?.line ?? '?')}: YAML ${e.code}: ${e.message.split('\n')[0]}`),
		);
	}
	const raw: unknown = doc.toJS();
	const result = ragopsConfigSchema.safeParse(raw, { reportInput: true });
	if (!result.success) {
		throw new ConfigError(file, result.error.issues.flatMap((i) => describeIssue(i).split('\n')));
	}
	return result.data;
}

export function loadConfig(file: string): RagopsConfig {
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
	}
	return parseConfig(text, file);
}
