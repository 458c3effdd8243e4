import type { IDataObject } from 'n8n-workflow';

/**
 * Event, branch and changed-path filters of the Ingest Webhook Trigger.
 *
 * Payload shapes understood: GitHub `push` (`ref`, `repository.default_branch`,
 * `commits[].added|modified|removed`, `head_commit`), which GitLab's push hook
 * and Gitea/Forgejo follow closely enough (`ref`, `commits[]` with the same
 * three arrays, `project.default_branch`).
 */

/** Splits "push, release" into ["push","release"]; empty means "no filter". */
export function splitList(value: string): string[] {
	return value
		.split(/[,\n]/)
		.map((s) => s.trim())
		.filter((s) => s !== '');
}

/**
 * Glob → RegExp (GitHub Actions filter semantics for branches): `**` spans directories, `*` stays within one path segment,
 * `?` is one character. A pattern without a slash matches the basename
 * anywhere (as .gitignore does), so `*.md` catches `docs/a/b.md`.
 */
export function globToRegExp(glob: string, basenameAnywhere = true): RegExp {
	let pattern = glob.trim().replace(/^\.\//, '');
	if (basenameAnywhere && !pattern.includes('/')) pattern = `**/${pattern}`;
	let re = '';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === '*' && pattern[i + 1] === '*') {
			// `**/` also matches zero directories.
			if (pattern[i + 2] === '/') {
				re += '(?:.*/)?';
				i += 2;
			} else {
				re += '.*';
				i += 1;
			}
		} else if (c === '*') {
			re += '[^/]*';
		} else if (c === '?') {
			re += '[^/]';
		} else {
			re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
		}
	}
	// A directory pattern (`docs/`) matches everything below it.
	if (pattern.endsWith('/')) re += '.*';
	return new RegExp(`^${re}$`);
}

export function matchesAnyGlob(path: string, globs: string[]): boolean {
	return globs.some((g) => globToRegExp(g).test(path));
}

function asObject(value: unknown): IDataObject | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
}

function strings(value: unknown): string[] {
	return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Branch of a push (`refs/heads/main` → `main`); undefined for tags or payloads without a ref. */
export function branchOf(body: IDataObject): string | undefined {
	const ref = body.ref;
	if (typeof ref !== 'string') return undefined;
	if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
	if (ref.startsWith('refs/')) return undefined;
	return ref;
}

export function defaultBranchOf(body: IDataObject): string | undefined {
	const repo = asObject(body.repository) ?? asObject(body.project);
	const branch = repo?.default_branch;
	return typeof branch === 'string' && branch !== '' ? branch : undefined;
}

/** Every path the push added, modified or removed (deduplicated, in order). */
export function changedPathsOf(body: IDataObject): string[] {
	const commits = Array.isArray(body.commits) ? body.commits : [];
	const headCommit = asObject(body.head_commit);
	const all = [...commits, ...(headCommit ? [headCommit] : [])];
	const paths = new Set<string>();
	for (const commit of all) {
		const c = asObject(commit);
		if (!c) continue;
		for (const p of [...strings(c.added), ...strings(c.modified), ...strings(c.removed)]) paths.add(p);
	}
	return [...paths];
}

export interface FilterSettings {
	events: string[];
	branches: string[];
	onlyDefaultBranch: boolean;
	paths: string[];
}

export type FilterVerdict = { pass: true } | { pass: false; reason: string };

/** Whether a delivery passes the filters, and if not, why (reported to the sender). */
export function applyFilters(event: string | undefined, body: IDataObject, filters: FilterSettings): FilterVerdict {
	if (filters.events.length > 0 && !filters.events.includes('*')) {
		if (!event || !filters.events.includes(event)) {
			return { pass: false, reason: `event "${event ?? '(none)'}" is not one of: ${filters.events.join(', ')}` };
		}
	}
	const wantsBranch = filters.onlyDefaultBranch || filters.branches.length > 0;
	if (wantsBranch) {
		const branch = branchOf(body);
		if (branch === undefined) return { pass: false, reason: 'the delivery names no branch (ref)' };
		if (filters.onlyDefaultBranch) {
			const def = defaultBranchOf(body);
			if (def === undefined) return { pass: false, reason: 'the delivery names no default branch' };
			if (branch !== def) return { pass: false, reason: `branch "${branch}" is not the default branch "${def}"` };
		}
		if (filters.branches.length > 0 && !filters.branches.some((b) => globToRegExp(b, false).test(branch))) {
			return { pass: false, reason: `branch "${branch}" is not one of: ${filters.branches.join(', ')}` };
		}
	}
	if (filters.paths.length > 0) {
		const changed = changedPathsOf(body);
		if (!changed.some((p) => matchesAnyGlob(p, filters.paths))) {
			return {
				pass: false,
				reason: `none of the ${changed.length} changed path(s) matches: ${filters.paths.join(', ')}`,
			};
		}
	}
	return { pass: true };
}
