export { DASHBOARD_SERIES, type SeriesName } from './series.ts';
export { type DashboardOptions, type DashboardServer, DEFAULT_PORT, startDashboard } from './server.ts';
export { type AlertView, type DashboardSource, sourceFromRuntime } from './source.ts';
