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

/**
 * Messages quote the offending value; a value with a newline (or another line
 * break) must not split one problem over two lines, so such characters are
 * shown as escapes.
 */
function oneLine(text: string): string {
	return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) =>
		JSON.stringify(c).slice(1, -1).replace(/^[\s\S]$/, `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
	);
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
	if (issue.code === 'unrecognized_keys') {
		return issue.keys.map(
			(key) => `${oneLine(formatPath([...issue.path, key]))}: unknown key (check the spelling; see ragops.config.schema.json)`,
		);
	}
	if (issue.code === 'invalid_type' && issue.input === undefined) {
		return [`${oneLine(formatPath(issue.path))}: required (${issue.expected})`];
	}
	return [`${oneLine(formatPath(issue.path))}: ${oneLine(issue.message)}`];
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
		throw new ConfigError(file, result.error.issues.flatMap(describeIssue));
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
