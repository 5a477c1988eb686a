/** The stream processor: decode, enrich, stitch identities, deliver to Firehose. */
export * from './config.js';
export * from './decode.js';
export * from './identity/store.js';
export * from './identity/table.js';
export * from './output/firehose.js';
export * from './processor.js';
