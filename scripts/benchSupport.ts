/**
 * What every `npm run bench:*` script shares: its command-line figures, the
 * median, and writing its section of docs/benchmarks.md while keeping the
 * other sections. Their local servers start through testbed/processes.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../testbed/n8n/paths';

/** `--name=number` options (0 when absent) and whether `--no-write` was given. */
export function benchArgs(argv: string[] = process.argv.slice(2)): { write: boolean; figures: Record<string, number> } {
	const figures = Object.fromEntries(
		argv
			.filter((a) => a.includes('='))
			.map((a) => {
				const [k, v] = a.replace(/^--/, '').split('=');
				return [k, Number(v)];
			}),
	);
	return { write: !argv.includes('--no-write'), figures };
}

export const median = (xs: number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Replaces (or appends) one `## title` section of a markdown document. */
export function replaceSection(doc: string, title: string, body: string): string {
	const heading = `## ${title}`;
	const section = `${heading}\n\n${body.trim()}\n`;
	const start = doc.indexOf(`${heading}\n`);
	if (start < 0) return `${doc.trimEnd()}\n\n${section}`;
	const next = doc.indexOf('\n## ', start + heading.length);
	return `${doc.slice(0, start)}${section}${next < 0 ? '' : `\n${doc.slice(next + 1)}`}`;
}

/** Writes the `## title` section of docs/benchmarks.md, keeping the others. */
export function writeBenchSection(title: string, body: string): void {
	const file = join(repoRoot, 'docs/benchmarks.md');
	const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
	writeFileSync(file, replaceSection(doc, title, body));
	console.error(`docs/benchmarks.md: "${title}" section written`);
}
