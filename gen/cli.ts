/**
 * `npm run gen [-- --config FILE] [--out DIR] [--check]`
 *
 * Generates every artefact from one config. With --check nothing is written:
 * it exits 1 listing the files that differ from what is committed (for a
 * workflow also the node, parameter and config path that drifted), so CI
 * catches a hand edit or a forgotten regeneration. On an invalid config it
 * prints one line per problem (each naming the exact path) and writes nothing.
 * Output is written all or nothing (gen/output.ts): a failure part way prints
 * one line and leaves the previous files as they were.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GENERATORS } from './artefacts';
import { ConfigError, loadConfig } from './config/load';
import { ownedDrift } from './drift';
import { writeOutput, type OutputFs } from './output';
import type { GeneratedFile, Generator } from './types';

type Generators = ReadonlyArray<{ name: string; generate: Generator }>;

export interface GenOptions {
	config: string;
	out: string;
	check: boolean;
}

export function parseArgs(argv: string[]): GenOptions {
	const options: GenOptions = { config: 'ragops.config.yaml', out: '.', check: false };
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--check') options.check = true;
		else if (arg === '--config' || arg === '--out') {
			const value = argv[++i];
			if (!value) throw new Error(`${arg} needs a value`);
			options[arg === '--config' ? 'config' : 'out'] = value;
		} else throw new Error(`unknown argument "${arg}"; usage: npm run gen -- [--config FILE] [--out DIR] [--check]`);
	}
	return options;
}

/** Runs every generator; throws ConfigError before anything is produced when the config is invalid. */
export function generateAll(configFile: string, generators: Generators = GENERATORS): GeneratedFile[] {
	const config = loadConfig(configFile);
	const files = generators.flatMap((g) => {
		try {
			return g.generate(config);
		} catch (error) {
			throw new Error(`the ${g.name} generator failed: ${(error as Error).message}`);
		}
	});
	const seen = new Set<string>();
	for (const f of files) {
		if (seen.has(f.path)) throw new Error(`two generators write ${f.path}`);
		seen.add(f.path);
	}
	return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Seams for tests: other generators (e.g. one that throws) or a file system with a fault injected. */
export interface GenOverrides {
	generators?: Generators;
	fs?: OutputFs;
}

export function main(argv: string[], overrides: GenOverrides = {}): number {
	let options: GenOptions;
	let files: GeneratedFile[];
	try {
		options = parseArgs(argv);
		files = generateAll(resolve(options.config), overrides.generators);
	} catch (error) {
		if (error instanceof ConfigError) {
			for (const problem of error.problems) console.error(`${options!.config}: ${problem}`);
			console.error('Nothing was written.');
		} else console.error(`gen: ${(error as Error).message}; nothing was written.`);
		return 2;
	}
	if (options.check) {
		const current = (f: GeneratedFile): string | undefined => {
			const path = join(options.out, f.path);
			try {
				return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
			} catch {
				return undefined; // unreadable (a folder in its place, no permission): not what gen would write
			}
		};
		const stale = files.filter((f) => current(f) !== f.content);
		for (const f of stale) {
			console.error(`out of date: ${f.path}`);
			const text = current(f);
			if (text !== undefined) for (const line of ownedDrift(f, text)) console.error(`  ${line}`);
		}
		if (stale.length > 0) {
			console.error(`${stale.length} generated file(s) differ from ${options.config}; run \`npm run gen\` and commit.`);
			return 1;
		}
		console.log(`${files.length} generated files are up to date.`);
		return 0;
	}
	try {
		writeOutput(options.out, files, overrides.fs);
	} catch (error) {
		// One line, no stack trace: the writer's messages say what failed and what state the output is in.
		console.error(`gen: ${(error as Error).message}`);
		return 1;
	}
	console.log(`Wrote ${files.length} files from ${options.config}.`);
	return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
