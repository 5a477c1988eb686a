/** Where the demo keeps its report, truth and NDJSON by default (inside the local runtime's data folder). */
import path from 'node:path';
import { DEFAULT_DATA_DIR } from '../local/index.js';

export const DEFAULT_DEMO_OUT = path.join(DEFAULT_DATA_DIR, 'demo');
export const LAST_DEMO_LAKE_FILE = 'lake-path.txt';
