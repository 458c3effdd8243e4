/**
 * Counts the distinct hostile inputs the suite tries (the issue asks for the
 * number to be printed by the suite). A try is one hostile input (a server
 * answer, a manifest, a delivery, a name) fed to real code; property-based
 * tests count each generated input they ran. `record()` also notes the
 * outcome, so the summary can say how many crashed, hung or leaked (all
 * three are also test failures of their own).
 */
export class Tally {
	private readonly tries = new Set<string>();
	private generated = 0;
	private crashes = 0;
	private leaks = 0;

	constructor(private readonly area: string) {}

	/** One distinct hostile try (same label twice counts once). */
	count(label: string): void {
		this.tries.add(label);
	}

	/** Inputs a property-based test generated and ran (counted apart from the hand-made tries). */
	countMany(_property: string, n: number): void {
		this.generated += n;
	}

	/**
	 * Runs one hostile try: counted, and counted as a crash when it throws
	 * (an assertion failure or an exception out of the code under test).
	 */
	async run<T>(label: string, fn: () => Promise<T>): Promise<T> {
		this.count(label);
		try {
			return await fn();
		} catch (error) {
			this.crashes++;
			throw error;
		}
	}

	/** Secrets found in an output: counted as leaks, returned for the assertion. */
	leaksIn(found: string[]): string[] {
		this.leaks += found.length;
		return found;
	}

	get size(): number {
		return this.tries.size;
	}

	summary(): string {
		return `${this.area}: ${this.tries.size} distinct hand-made hostile tries + ${this.generated} generated (fast-check), ${this.crashes} crashes, ${this.leaks} leaks`;
	}
}
