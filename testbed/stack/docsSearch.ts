/**
 * A small full-text index over this repository's own docs/ for the example
 * RAG API, so the stack's `/query` really retrieves (and the RAG Retrieval
 * Check has something real to grade). Written here rather than taken from npm
 * on purpose: the stack needs no new dependency, and the whole ranking is
 * forty lines one can check by hand.
 *
 * - Documents: each markdown section (a heading of level 1–3 and the text up
 *   to the next such heading) of every `*.md` under the folder. Its id is
 *   `<path without .md>#<GitHub-style anchor>`, e.g. `runbooks#ragapidown`,
 *   `nodes/rag-health-check#presets`: the link a reader would follow.
 * - Tokens: lower-cased, accents folded, runs of letters and digits; a few
 *   English stop words and single letters (the `s` of `Qdrant's`) dropped; a
 *   plural `s` stripped (`checks` = `check`).
 * - Ranking: BM25 (k1 = 1.2, b = 0.75, Lucene's idf ln(1 + (N − n + 0.5)/(n + 0.5)))
 *   per field, the heading weighted 2 and the body 1, summed (the
 *   MiniSearch approach). Ties are broken by id, so a ranking is reproducible.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface Section {
	id: string;
	heading: string;
	body: string;
}

export interface SearchHit {
	id: string;
	score: number;
	text: string;
}

const STOP_WORDS = new Set(
	'a an and are as at be by can do does for from how i if in into is it its no not of on or so than that the their then there these this to was what when where which who why will with you your'.split(' '),
);

export function tokenize(text: string): string[] {
	const folded = text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
	const out: string[] = [];
	for (const match of folded.matchAll(/[\p{L}\p{N}]+/gu)) {
		let token = match[0];
		if (STOP_WORDS.has(token) || (token.length === 1 && !/\d/.test(token))) continue;
		if (token.length > 3 && token.endsWith('s') && !token.endsWith('ss')) token = token.slice(0, -1);
		out.push(token);
	}
	return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{N} _-]/gu, '')
		.replace(/ /g, '-');
}

/** The sections of one markdown text (fenced code is kept as text, its `#` lines are not headings). */
export function sections(markdown: string, docPath: string): Section[] {
	const out: Section[] = [];
	const used = new Map<string, number>();
	let current: { heading: string; lines: string[] } | undefined;
	let fenced = false;
	const flush = () => {
		if (!current) return;
		const base = anchor(current.heading);
		const n = used.get(base) ?? 0;
		used.set(base, n + 1);
		out.push({ id: `${docPath}#${n === 0 ? base : `${base}-${n}`}`, heading: current.heading, body: current.lines.join('\n').trim() });
	};
	for (const line of markdown.split(/\r?\n/)) {
		if (/^(```|~~~)/.test(line)) fenced = !fenced;
		const heading = fenced ? null : /^(#{1,3})\s+(.+?)\s*#*\s*$/.exec(line);
		if (heading) {
			flush();
			current = { heading: heading[2], lines: [] };
		} else if (current) {
			current.lines.push(line);
		}
	}
	flush();
	return out;
}

/** Every section of every `*.md` under `dir` (sorted by path, so ids and ranks are stable). */
export function readDocs(dir: string): Section[] {
	const files: string[] = [];
	const walk = (d: string) => {
		for (const name of readdirSync(d).sort()) {
			const path = join(d, name);
			if (statSync(path).isDirectory()) walk(path);
			else if (name.endsWith('.md')) files.push(path);
		}
	};
	walk(dir);
	return files.flatMap((file) => sections(readFileSync(file, 'utf8'), relative(dir, file).split(sep).join('/').replace(/\.md$/, '')));
}

const K1 = 1.2;
const B = 0.75;
const FIELDS = [
	{ name: 'heading', boost: 2 },
	{ name: 'body', boost: 1 },
] as const;

interface FieldIndex {
	/** token → (document index → term frequency) */
	postings: Map<string, Map<number, number>>;
	lengths: number[];
	averageLength: number;
}

export interface DocsIndex {
	readonly size: number;
	search(query: string, k: number): SearchHit[];
}

export function buildIndex(docs: readonly Section[]): DocsIndex {
	const fields = FIELDS.map(({ name }): FieldIndex => {
		const postings = new Map<string, Map<number, number>>();
		const lengths = docs.map((doc, i) => {
			const tokens = tokenize(doc[name]);
			for (const token of tokens) {
				let posting = postings.get(token);
				if (!posting) postings.set(token, (posting = new Map()));
				posting.set(i, (posting.get(i) ?? 0) + 1);
			}
			return tokens.length;
		});
		const total = lengths.reduce((a, b) => a + b, 0);
		return { postings, lengths, averageLength: docs.length ? total / docs.length : 0 };
	});
	const n = docs.length;
	return {
		size: n,
		search(query: string, k: number): SearchHit[] {
			const scores = new Map<number, number>();
			for (const token of new Set(tokenize(query))) {
				FIELDS.forEach(({ boost }, f) => {
					const field = fields[f];
					const posting = field.postings.get(token);
					if (!posting) return;
					const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
					for (const [doc, tf] of posting) {
						const norm = field.averageLength ? field.lengths[doc] / field.averageLength : 0;
						const score = (boost * idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + B * norm));
						scores.set(doc, (scores.get(doc) ?? 0) + score);
					}
				});
			}
			return [...scores]
				.sort((x, y) => y[1] - x[1] || (docs[x[0]].id < docs[y[0]].id ? -1 : 1))
				.slice(0, Math.max(0, k))
				.map(([doc, score]) => ({ id: docs[doc].id, score: Math.round(score * 1e4) / 1e4, text: docs[doc].body.replace(/\s+/g, ' ').slice(0, 300) }));
		},
	};
}
