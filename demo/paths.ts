/** Where the local runtime and the demo keep their data by default (git ignores .threadline/). */
import path from 'node:path';

export const DEFAULT_DATA_DIR = '.threadline';
export const DEFAULT_LAKE_DIR = path.join(DEFAULT_DATA_DIR, 'lake');
/** The demo's report, truth and NDJSON (inside .threadline/, which git ignores). */
export const DEFAULT_DEMO_OUT = path.join(DEFAULT_DATA_DIR, 'demo');
export const LAST_DEMO_LAKE_FILE = 'lake-path.txt';
