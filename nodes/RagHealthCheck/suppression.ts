import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

/**
 * Why a failing target raised no alert, in words, on its item (`alert`): a
 * dependent of a down target stays off the Alert output (that is what Depends
 * On is for), and a bare `suppressed` object, or nothing at all, on an OK
 * item read as "all fine". Reads only the items themselves (`state`,
 * `dependsOn`, `suppressed`), so it holds for any way they were settled.
 */
export function explainSuppressed(items: INodeExecutionData[]): void {
	const down = new Set(items.filter((i) => i.json.state === 'down').map((i) => String(i.json.target)));
	for (const { json } of items) {
		const parents = ((json.dependsOn as string[] | undefined) ?? []).filter((d) => down.has(d));
		const suppressed = json.suppressed as IDataObject | undefined;
		if (suppressed) {
			json.alert =
				suppressed.reason === 'dependency'
					? `${String(suppressed.event)} suppressed: ${parents.join(', ') || 'a target it depends on'} is down and this target depends on it`
					: `${String(suppressed.event)} suppressed: inside a maintenance window`;
		} else if (json.status === 'fail' && !json.event && parents.length > 0) {
			json.alert = `no alert: ${parents.join(', ')} is down and this target depends on it`;
		}
	}
}
