/** Where the local runtime keeps its data by default (git ignores .threadline/). */
import path from 'node:path';

export const DEFAULT_DATA_DIR = '.threadline';
export const DEFAULT_LAKE_DIR = path.join(DEFAULT_DATA_DIR, 'lake');
/** The write keys of the local collector. */
export const DEFAULT_KEY_FILE = path.join(DEFAULT_DATA_DIR, 'sources.json');
