/**
 * Type-only bridge: the SDK publishes its subpaths through package.json
 * `exports`, which the repository's `moduleResolution: node` does not read.
 * Node resolves the imports at run time; these declarations point tsc at the
 * same files under dist/. Nothing here exists at run time.
 */
declare module '@grafana/grafana-foundation-sdk/dashboard' {
	export * from '@grafana/grafana-foundation-sdk/dist/dashboard/index';
}
declare module '@grafana/grafana-foundation-sdk/prometheus' {
	export * from '@grafana/grafana-foundation-sdk/dist/prometheus/index';
}
declare module '@grafana/grafana-foundation-sdk/loki' {
	export * from '@grafana/grafana-foundation-sdk/dist/loki/index';
}
declare module '@grafana/grafana-foundation-sdk/timeseries' {
	export * from '@grafana/grafana-foundation-sdk/dist/timeseries/index';
}
declare module '@grafana/grafana-foundation-sdk/stat' {
	export * from '@grafana/grafana-foundation-sdk/dist/stat/index';
}
declare module '@grafana/grafana-foundation-sdk/table' {
	export * from '@grafana/grafana-foundation-sdk/dist/table/index';
}
declare module '@grafana/grafana-foundation-sdk/logs' {
	export * from '@grafana/grafana-foundation-sdk/dist/logs/index';
}
declare module '@grafana/grafana-foundation-sdk/common' {
	export * from '@grafana/grafana-foundation-sdk/dist/common/index';
}
