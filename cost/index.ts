/**
 * The monthly AWS cost model: public prices, per-event figures (measured by `npm run cost:measure`,
 * else labelled assumptions), the arithmetic, and the text and markdown reports. The deployment facts
 * come from the synthesized CDK template.
 */
export * from './deployment.js';
export * from './figures.js';
export * from './model.js';
export * from './prices.js';
export * from './report.js';
