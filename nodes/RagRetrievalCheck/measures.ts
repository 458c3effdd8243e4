/**
 * Retrieval measures as pure functions over ranked id lists: no n8n, no I/O,
 * so each one is checked against hand-computed values.
 *
 * Conventions shared by every measure (docs/nodes/rag-retrieval-check.md):
 * - ranks are the search API's order (1-based); scores are never re-sorted, so
 *   tied scores keep the order the API chose;
 * - the list is cut at k first (the API's top k), then duplicates are dropped
 *   keeping the first occurrence: several chunks of one document count once,
 *   and a duplicate keeps its rank slot without earning gain again;
 * - a case without expected ids is label-free: recall, MRR and nDCG are
 *   `null` for it (not 0), and it only feeds the drift measure.
 */

export type MatchMode = 'any' | 'all';

/**
 * The first `k` ids with later duplicates replaced by `null` (rank slots are
 * kept). A `null` in the input is a result without a usable id: it holds its
 * rank and matches nothing.
 */
export function topK(ranked: ReadonlyArray<string | null>, k: number): Array<string | null> {
	const seen = new Set<string>();
	return ranked.slice(0, Math.max(0, Math.floor(k))).map((id) => {
		if (id === null || seen.has(id)) return null;
		seen.add(id);
		return id;
	});
}

export interface CaseMeasures {
	/** Whether the case is satisfied: any expected id in the top k (`any`) or every one (`all`). */
	hit: boolean;
	/** Fraction of the distinct expected ids found in the top k. */
	recall: number;
	/** 1 / rank of the first expected id in the top k, 0 when none is there. */
	reciprocalRank: number;
	/** Binary-relevance nDCG@k with the log2(rank + 1) discount. */
	ndcg: number;
	/** Expected ids found, in rank order. */
	found: string[];
	/** Expected ids not in the top k. */
	missing: string[];
}

/**
 * Measures of one labelled case. `expected` must not be empty (a label-free
 * case has no recall); duplicates in it are ignored.
 */
export function measureCase(
	ranked: ReadonlyArray<string | null>,
	expected: readonly string[],
	k: number,
	mode: MatchMode,
): CaseMeasures {
	const relevant = new Set(expected);
	if (relevant.size === 0) throw new Error('measureCase needs at least one expected id');
	const top = topK(ranked, k);
	const found: string[] = [];
	let reciprocalRank = 0;
	let dcg = 0;
	top.forEach((id, index) => {
		if (id === null || !relevant.has(id)) return;
		found.push(id);
		if (reciprocalRank === 0) reciprocalRank = 1 / (index + 1);
		dcg += 1 / Math.log2(index + 2);
	});
	const ideal = idealDcg(Math.min(relevant.size, Math.max(0, Math.floor(k))));
	const inTop = new Set(top.filter((id): id is string => id !== null));
	return {
		hit: mode === 'all' ? found.length === relevant.size : found.length > 0,
		recall: found.length / relevant.size,
		reciprocalRank,
		ndcg: ideal === 0 ? 0 : dcg / ideal,
		found,
		missing: [...relevant].filter((id) => !inTop.has(id)),
	};
}

/** Must-not-contain ids that appear in the top k (checked for labelled and label-free cases alike). */
export function forbiddenFound(ranked: ReadonlyArray<string | null>, mustNotContain: readonly string[], k: number): string[] {
	const inTop = new Set(topK(ranked, k));
	return [...new Set(mustNotContain)].filter((id) => inTop.has(id));
}

/** DCG of a ranking whose first `n` results are all relevant. */
function idealDcg(n: number): number {
	let sum = 0;
	for (let i = 0; i < n; i++) sum += 1 / Math.log2(i + 2);
	return sum;
}

/** Ids with later duplicates removed (RBO is defined over lists without repeats). */
function distinct(list: readonly string[]): string[] {
	return [...new Set(list)];
}

/**
 * Extrapolated rank-biased overlap, RBO_ext (Webber, Moffat & Zobel, "A
 * similarity measure for indefinite rankings", ACM TOIS 28(4), 2010, eq. 32):
 * with S the shorter list (length s), L the longer (length l) and X_d the
 * overlap of their depth-d prefixes (S is all of S beyond its end),
 *
 *   RBO_ext = (1-p)/p · ( Σ_{d=1..l} X_d/d · p^d + Σ_{d=s+1..l} X_s·(d-s)/(s·d) · p^d )
 *             + ( (X_l - X_s)/l + X_s/s ) · p^l
 *
 * 1 for identical lists, 0 for disjoint ones; `p` (0 < p < 1) sets how
 * top-heavy it is (by the paper's eq. 21, p = 0.9 gives the first 10 ranks
 * about 86% of the weight). Two empty lists are identical (1); one empty
 * list against a non-empty one shares nothing (0). Duplicates are dropped
 * (first occurrence kept), as the measure assumes lists without repeats.
 */
export function rankBiasedOverlap(a: readonly string[], b: readonly string[], p = 0.9): number {
	if (!(p > 0 && p < 1)) throw new Error(`RBO persistence p must be strictly between 0 and 1, got ${p}`);
	const first = distinct(a);
	const second = distinct(b);
	const [S, L] = first.length <= second.length ? [first, second] : [second, first];
	const s = S.length;
	const l = L.length;
	if (l === 0) return 1;
	if (s === 0) return 0;

	const seenS = new Set<string>();
	const seenL = new Set<string>();
	let overlap = 0;
	let xs = 0;
	let sum = 0;
	let pd = 1;
	for (let d = 1; d <= l; d++) {
		pd *= p;
		const fromL = L[d - 1];
		if (d <= s) {
			const fromS = S[d - 1];
			if (fromS === fromL) overlap++;
			else {
				if (seenL.has(fromS)) overlap++;
				if (seenS.has(fromL)) overlap++;
			}
			seenS.add(fromS);
		} else if (seenS.has(fromL)) {
			overlap++;
		}
		seenL.add(fromL);
		if (d === s) xs = overlap;
		sum += (overlap / d) * pd;
		if (d > s) sum += ((xs * (d - s)) / (s * d)) * pd;
	}
	const xl = overlap;
	const value = ((1 - p) / p) * sum + ((xl - xs) / l + xs / s) * pd;
	// Rounding can leave 1 + 1e-16 for identical lists: keep the result a ratio.
	return Math.min(1, Math.max(0, value));
}

/**
 * Nearest-rank percentile (the smallest value with at least q of the values
 * at or below it): always one of the observed values, so p95 of 20 latencies
 * is the 19th smallest. `null` for no values.
 */
export function percentile(values: readonly number[], q: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((x, y) => x - y);
	const rank = Math.max(1, Math.ceil(q * sorted.length));
	return sorted[Math.min(sorted.length, rank) - 1];
}

/** Arithmetic mean, `null` for no values (a measure not taken is not a 0). */
export function mean(values: readonly number[]): number | null {
	if (values.length === 0) return null;
	let sum = 0;
	for (const v of values) sum += v;
	return sum / values.length;
}

/** Share of `count` in `total`, `null` when there is nothing to share. */
export function ratio(count: number, total: number): number | null {
	return total > 0 ? count / total : null;
}
