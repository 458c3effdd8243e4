/**
 * Writes the generated files all or nothing.
 *
 * Every file is first written into a staging folder beside the output (same
 * file system, so renames are atomic), read back and validated (YAML and JSON
 * parse, rule expressions parse with the PromQL / LogQL grammars). Only then
 * is each file renamed over its target, after a backup of the file it
 * replaces. If anything fails on the way the renamed files are put back from
 * the backups, new files and folders are removed, and the previous output is
 * left byte for byte as it was. The staging folder is always removed.
 */
import * as nodeFs from 'node:fs';
import { dirname, join, parse as parsePath, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { promqlSyntaxErrors } from './promql';
import type { GeneratedFile } from './types';

/** The file-system calls the writer makes; tests pass a copy with a fault injected. */
export type OutputFs = Pick<
	typeof nodeFs,
	| 'mkdirSync'
	| 'mkdtempSync'
	| 'writeFileSync'
	| 'readFileSync'
	| 'renameSync'
	| 'linkSync'
	| 'copyFileSync'
	| 'lstatSync'
	| 'chmodSync'
	| 'unlinkSync'
	| 'rmdirSync'
	| 'rmSync'
	| 'existsSync'
>;

/** Prefix of the staging folder inside the output folder (gitignored; removed after every run). */
export const STAGING_PREFIX = '.ragops-gen-';

export class OutputError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'OutputError';
	}
}

const reason = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

function logqlErrors(expr: string): number {
	let errors = 0;
	logqlParser.parse(expr).iterate({ enter: (n) => void (n.type.isError && errors++) });
	return errors;
}

/** Problems with one generated file's content; empty when it is well-formed for its format. */
export function validateContent(path: string, content: string): string[] {
	const problems: string[] = [];
	let doc: unknown;
	try {
		if (/\.ya?ml$/.test(path)) doc = parseYaml(content, { uniqueKeys: true });
		else if (path.endsWith('.json')) doc = JSON.parse(content);
		else return problems;
	} catch (error) {
		return [`${path}: does not parse: ${(error as Error).message.split('\n')[0]}`];
	}
	const rules = (doc as { groups?: { rules?: { expr?: unknown }[] }[] } | null)?.groups;
	const grammar = path.startsWith('prometheus/rules/') ? 'PromQL' : path.startsWith('loki/rules/') ? 'LogQL' : undefined;
	if (grammar && Array.isArray(rules)) {
		for (const group of rules) {
			for (const rule of group.rules ?? []) {
				const expr = String(rule.expr ?? '');
				const bad = grammar === 'PromQL' ? promqlSyntaxErrors(expr).length > 0 : logqlErrors(expr) > 0;
				if (!expr || bad) problems.push(`${path}: a generated ${grammar} expression does not parse: ${expr}`);
			}
		}
	}
	return problems;
}

interface Step {
	target: string;
	/** Where the replaced file was saved, when there was one. */
	backup?: string;
}

/** Writes `files` under `outDir` atomically as described above; throws OutputError (one line) on failure. */
export function writeOutput(outDir: string, files: readonly GeneratedFile[], fs: OutputFs = nodeFs): void {
	for (const f of files) {
		if (f.path.startsWith('/') || f.path.split(/[\\/]/).includes('..')) throw new OutputError(`refusing to write outside the output folder: ${f.path}`);
	}
	let stage: string;
	// Folders this run creates (the output folder itself included); removed again on failure if still empty.
	const createdDirs: string[] = missingDirs(fs, parsePath(resolve(outDir)).root, resolve(outDir));
	try {
		fs.mkdirSync(outDir, { recursive: true });
		stage = fs.mkdtempSync(join(outDir, STAGING_PREFIX));
	} catch (error) {
		removeEmptyDirs(fs, createdDirs);
		throw new OutputError(`cannot create a staging folder in ${outDir} (${reason(error)}); nothing was written`);
	}
	const steps: Step[] = [];
	try {
		for (const f of files) {
			const staged = join(stage, 'new', f.path);
			try {
				fs.mkdirSync(dirname(staged), { recursive: true });
				fs.writeFileSync(staged, f.content);
				if (fs.readFileSync(staged, 'utf8') !== f.content) throw new Error('read back differs from what was written');
			} catch (error) {
				throw new OutputError(`cannot stage ${f.path} (${reason(error)}); the previous output is unchanged`);
			}
			const problems = validateContent(f.path, f.content);
			if (problems.length > 0) throw new OutputError(`${problems[0]}; the previous output is unchanged`);
		}
		for (const f of files) {
			const target = join(outDir, f.path);
			try {
				const step: Step = { target };
				const existing = fs.existsSync(target) ? fs.lstatSync(target) : undefined;
				if (existing?.isDirectory()) throw new Error('a folder is in the way');
				if (existing) {
					step.backup = join(stage, 'previous', f.path);
					fs.mkdirSync(dirname(step.backup), { recursive: true });
					try {
						fs.linkSync(target, step.backup);
					} catch {
						fs.copyFileSync(target, step.backup);
					}
					// Keep the mode of the file being replaced, as an in-place write would.
					fs.chmodSync(join(stage, 'new', f.path), existing.mode & 0o7777);
				} else {
					createdDirs.push(...missingDirs(fs, outDir, dirname(target)));
					fs.mkdirSync(dirname(target), { recursive: true });
				}
				fs.renameSync(join(stage, 'new', f.path), target);
				steps.push(step);
			} catch (error) {
				throw new OutputError(`cannot write ${f.path} (${reason(error)}); the previous output was restored`);
			}
		}
	} catch (error) {
		const unrestored = restoreFiles(fs, steps);
		// Keep the backups when some could not be put back: they are the only copy left.
		if (unrestored.length === 0) {
			fs.rmSync(stage, { recursive: true, force: true });
			removeEmptyDirs(fs, createdDirs);
		} else {
			throw new OutputError(
				`${(error as Error).message.replace(/; the previous output was restored$/, '')}; could not restore ${unrestored.join(', ')}: the previous files are in ${join(stage, 'previous')}`,
			);
		}
		throw error;
	}
	fs.rmSync(stage, { recursive: true, force: true });
}

/** Folders between `root` and `dir` that do not exist yet, outermost first. */
function missingDirs(fs: OutputFs, root: string, dir: string): string[] {
	const missing: string[] = [];
	for (let d = dir; relative(root, d) !== '' && !relative(root, d).startsWith('..') && !fs.existsSync(d); d = dirname(d)) {
		missing.unshift(d);
	}
	return missing;
}

/** Puts back what the commit phase replaced; returns the targets it could not restore. */
function restoreFiles(fs: OutputFs, steps: Step[]): string[] {
	const failed: string[] = [];
	for (const step of [...steps].reverse()) {
		try {
			if (step.backup) fs.renameSync(step.backup, step.target);
			else fs.unlinkSync(step.target);
		} catch {
			failed.push(step.target);
		}
	}
	return failed;
}

/** Removes the folders this run created, innermost first, where nothing else has appeared in them. */
function removeEmptyDirs(fs: OutputFs, createdDirs: string[]): void {
	for (const dir of [...new Set(createdDirs)].reverse()) {
		try {
			fs.rmdirSync(dir);
		} catch {
			// Not empty (something else lives there) or already gone.
		}
	}
}
