/**
 * The models' Iceberg tables: their DDL (sql/models/iceberg.ts) and how the views deployer keeps them
 * (ObjectType ICEBERG_TABLE), with the real Athena client against the loopback Athena whose catalog
 * follows the DDL it is sent.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CustomResourceEvent, createHandler, dropTableStatement } from '../../lambdas/views-deployer/handler.js';
import { icebergColumnType, icebergCreateTableSql, icebergModelLocation, renderModels, type ViewColumnType } from '../../sql/index.js';
import { FakeAthena } from './models-refresh-athena.js';

describe('Iceberg DDL', () => {
  it('renders a model as a partitioned Iceberg table in Athena types (hand-written expectation)', () => {
    const sql = icebergCreateTableSql(
      {
        name: 'model_x',
        columns: [
          { name: 'id', type: 'VARCHAR', doc: '' },
          { name: 'n', type: 'BIGINT', doc: '' },
          { name: 'tags', type: 'ARRAY(VARCHAR)', doc: '' },
          { name: 'at', type: 'TIMESTAMP', doc: '' },
          { name: 'event_date', type: 'VARCHAR', doc: '' },
        ],
      },
      icebergModelLocation('lake-bucket', 'model_x'),
    );
    expect(sql).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `model_x` (',
        '  `id` string,',
        '  `n` bigint,',
        '  `tags` array<string>,',
        '  `at` timestamp,',
        '  `event_date` string',
        ')',
        'PARTITIONED BY (`event_date`)',
        "LOCATION 's3://lake-bucket/models/model_x/'",
        "TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd', 'vacuum_max_snapshot_age_seconds'='86400')",
      ].join('\n'),
    );
  });

  it('maps every documented column type, and renders every model', () => {
    const types: [ViewColumnType, string][] = [
      ['VARCHAR', 'string'],
      ['BIGINT', 'bigint'],
      ['INTEGER', 'int'],
      ['DOUBLE', 'double'],
      ['BOOLEAN', 'boolean'],
      ['TIMESTAMP', 'timestamp'],
      ['ARRAY(VARCHAR)', 'array<string>'],
    ];
    for (const [t, want] of types) expect(icebergColumnType(t)).toBe(want);
    for (const m of renderModels('athena', {})) {
      const sql = icebergCreateTableSql(m, icebergModelLocation('b', m.name));
      expect(sql.match(/^ {2}`/gm)).toHaveLength(m.columns.length);
      expect(sql).not.toMatch(/EXTERNAL/);
    }
  });

  it('refuses what cannot be spliced into DDL', () => {
    const cols = [{ name: 'event_date', type: 'VARCHAR' as const, doc: '' }];
    expect(() => icebergCreateTableSql({ name: 'x; DROP', columns: cols }, 's3://b/models/x/')).toThrow(/identifier/);
    expect(() => icebergCreateTableSql({ name: 'x', columns: cols }, "s3://b/models/x'/")).toThrow(/location/);
    expect(() => icebergCreateTableSql({ name: 'x', columns: [{ name: 'a', type: 'VARCHAR', doc: '' }] }, 's3://b/x/')).toThrow(
      /event_date/,
    );
  });
});

/** The loopback Athena's catalog, changed by the DDL it runs. */
const catalog = new Map<string, 'VIEW' | 'TABLE'>();
const athena = new FakeAthena();
let onEvent: ReturnType<typeof createHandler>;

beforeAll(async () => {
  const client = await athena.start();
  athena.answer = (sql) => {
    const dropView = /^DROP VIEW IF EXISTS "\w+"\."(\w+)"$/.exec(sql);
    if (dropView && catalog.get(dropView[1]!) === 'VIEW') catalog.delete(dropView[1]!);
    const dropTable = /^DROP TABLE IF EXISTS `\w+`\.`(\w+)`$/.exec(sql);
    if (dropTable && catalog.get(dropTable[1]!) === 'TABLE') catalog.delete(dropTable[1]!);
    const create = /^CREATE TABLE IF NOT EXISTS `(\w+)`/.exec(sql);
    if (create) {
      // Like Athena: IF NOT EXISTS is satisfied by any object of that name, a view included.
      if (!catalog.has(create[1]!)) catalog.set(create[1]!, 'TABLE');
    }
    return {};
  };
  onEvent = createHandler({ athena: client, sleep: async () => {}, log: () => {} });
});
afterAll(() => athena.close());
beforeEach(() => {
  catalog.clear();
  athena.executions.length = 0;
});

const model = renderModels('athena', {}).find((m) => m.name === 'model_sessions')!;
const tableProps = (statement = icebergCreateTableSql(model, icebergModelLocation('lake', model.name)), drop = 'true') => ({
  WorkGroup: 'threadline-dev',
  Database: 'threadline_dev',
  ViewName: model.name,
  ObjectType: 'ICEBERG_TABLE' as const,
  DropOnDelete: drop,
  Statement: statement,
});
const ev = (RequestType: CustomResourceEvent['RequestType'], p: ReturnType<typeof tableProps>, extra: Partial<CustomResourceEvent> = {}) =>
  ({ RequestType, ResourceProperties: { ServiceToken: 'arn:x', ...p }, ...extra }) as CustomResourceEvent;

describe('views deployer: model tables', () => {
  it('Create replaces an interim view of the same name by the Iceberg table', async () => {
    catalog.set('model_sessions', 'VIEW');
    const out = await onEvent(ev('Create', tableProps()));
    expect(out.PhysicalResourceId).toBe('threadline_dev.model_sessions');
    expect(catalog.get('model_sessions')).toBe('TABLE');
    expect(athena.statements.map((s) => s.split('\n')[0])).toEqual([
      'DROP VIEW IF EXISTS "threadline_dev"."model_sessions"',
      'CREATE TABLE IF NOT EXISTS `model_sessions` (',
    ]);
  });

  it('Create over an existing table and Update with the same DDL leave the table (and its rows) alone', async () => {
    await onEvent(ev('Create', tableProps()));
    await onEvent(ev('Update', tableProps(), { PhysicalResourceId: 'threadline_dev.model_sessions', OldResourceProperties: tableProps() }));
    expect(athena.statements.filter((s) => s.startsWith('DROP TABLE'))).toEqual([]);
    expect(catalog.get('model_sessions')).toBe('TABLE');
  });

  it('Update with changed DDL drops the table and creates it again', async () => {
    await onEvent(ev('Create', tableProps()));
    athena.executions.length = 0;
    const changed = tableProps(icebergCreateTableSql(model, icebergModelLocation('other-lake', model.name)));
    await onEvent(ev('Update', changed, { PhysicalResourceId: 'threadline_dev.model_sessions', OldResourceProperties: tableProps() }));
    expect(athena.statements.map((s) => s.split('\n')[0])).toEqual([
      'DROP VIEW IF EXISTS "threadline_dev"."model_sessions"',
      dropTableStatement({ Database: 'threadline_dev', ViewName: 'model_sessions' }),
      'CREATE TABLE IF NOT EXISTS `model_sessions` (',
    ]);
    expect(athena.statements.at(-1)).toContain('s3://other-lake/models/model_sessions/');
  });

  it('Delete drops the table only when DropOnDelete is true', async () => {
    await onEvent(ev('Create', tableProps(undefined, 'false')));
    athena.executions.length = 0;
    await onEvent(ev('Delete', tableProps(undefined, 'false'), { PhysicalResourceId: 'threadline_dev.model_sessions' }));
    expect(athena.statements).toEqual([]);
    expect(catalog.get('model_sessions')).toBe('TABLE');
    await onEvent(ev('Delete', tableProps(undefined, 'true'), { PhysicalResourceId: 'threadline_dev.model_sessions' }));
    expect(athena.statements).toEqual(['DROP TABLE IF EXISTS `threadline_dev`.`model_sessions`']);
    expect(catalog.has('model_sessions')).toBe(false);
  });
});
