/**
 * The process under test for bench/load.ts: kinesalite on LevelDB in the given folder + the file key
 * store + the loopback collector, exactly as `threadline local` wires the collector side. Prints one
 * JSON line { url, writeKey } when ready; closes cleanly on SIGTERM.
 *
 *   node --import tsx bench/load-server.ts <dataDir> [headersTimeoutMs]
 */
import path from 'node:path';
import { createFileKeyStore, createKinesisWriter } from '../lambdas/index.js';
import { DEV_STREAM_NAME, startCollectorServer, startLocalKinesis } from '../local/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: load-server.ts <dataDir> [headersTimeoutMs]');
  const headersTimeoutMs = process.argv[3] ? Number(process.argv[3]) : undefined;
  const kinesis = await startLocalKinesis({ path: path.join(dataDir, 'kinesis') });
  await kinesis.ensureStream(DEV_STREAM_NAME, 2);
  const keyStore = createFileKeyStore(path.join(dataDir, 'sources.json'));
  const writeKey = 'tl_bench_load';
  await keyStore.ensureKey(writeKey, { name: 'load', defaultChannel: 'web' });
  const server = await startCollectorServer({
    deps: { keyStore, sink: createKinesisWriter({ client: kinesis.client, streamName: DEV_STREAM_NAME }) },
    ...(headersTimeoutMs ? { headersTimeoutMs } : {}),
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, writeKey })}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await server.close();
      await kinesis.close();
      process.exit(0);
    })();
  });
}

main().catch((err) => {
  process.stderr.write(`load server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
