export { parseNdjson, type SendResult, sendEvents } from './client/batch-sender.js';
export { type Dataset, generateDataset, SOURCE_NAMES, type SourceName } from './generator/index.js';
export { collectInsights, DEFAULT_FUNNEL } from './insights.js';
export * from './paths.js';
export { toReportData } from './report/from-insights.js';
export { renderReport } from './report/render.js';
export { type DemoResult, runDemo, SOURCE_CHANNELS } from './run.js';
