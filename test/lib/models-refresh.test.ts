/**
 * The journey models in the synthesized stack (lib/models-refresh.ts): the Iceberg tables created by
 * the views deployer before every view, the refresh function and its exact permissions, the state
 * parameter, the EventBridge Scheduler schedule at the configured rate, and the errors alarm.
 */
import { describe, expect, it } from 'vitest';
import { MODELS_REFRESH_ACTIONS } from '../../lambdas/index.js';
import { modelsRefreshStateParameterName } from '../../lib/models-refresh.js';
import { actionsOf, logicalIdOf, resourcesOfType, statementsOfRole, synth } from '../cdk/helpers.js';
import { MODEL_NAMES, modelsRefreshSettingsSchemaCheck } from './models-refresh-helpers.js';

const dev = synth({}, { bundle: false });
const prod = synth({ stage: 'prod', models: { refreshEveryMinutes: 30, refreshLookbackDays: 5 } }, { bundle: false });

const fnId = (s: typeof dev) => logicalIdOf(s.stack, s.stack.models.function.fn);
const fnOf = (s: typeof dev) => s.json.Resources[fnId(s)]!;

describe('models tables', () => {
  it('one Iceberg table resource per model, through the views provider, with the rendered DDL', () => {
    const tables = resourcesOfType(dev.json, 'Custom::ThreadlineIcebergTable');
    expect(tables.map(([, r]) => r.Properties!.ViewName).sort()).toEqual([...MODEL_NAMES].sort());
    for (const [, r] of tables) {
      expect(r.Properties!.ObjectType).toBe('ICEBERG_TABLE');
      expect(r.Properties!.DropOnDelete).toBe('true');
      const ddl = JSON.stringify(r.Properties!.Statement);
      expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS \`${r.Properties!.ViewName}\``);
      expect(ddl).toContain("'table_type'='ICEBERG'");
      expect(ddl).toContain(`/models/${r.Properties!.ViewName}/`);
    }
    // Production keeps the tables (and their data) when the stack goes.
    for (const [, r] of resourcesOfType(prod.json, 'Custom::ThreadlineIcebergTable')) expect(r.Properties!.DropOnDelete).toBe('false');
  });

  it('no model is deployed as a view, and every view resource depends on every table', () => {
    const tableIds = resourcesOfType(dev.json, 'Custom::ThreadlineIcebergTable').map(([id]) => id);
    const views = resourcesOfType(dev.json, 'Custom::ThreadlineAthenaView');
    expect(views.length).toBeGreaterThan(0);
    for (const [, v] of views) {
      expect(MODEL_NAMES).not.toContain(v.Properties!.ViewName);
      const deps = ([] as string[]).concat(v.DependsOn ?? []);
      for (const t of tableIds) expect(deps).toContain(t);
    }
  });
});

describe('refresh function', () => {
  it('runs one at a time for up to 15 minutes, without async retries, with its settings in THREADLINE_CONFIG', () => {
    const fn = fnOf(dev);
    expect(fn.Properties!.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Properties!.Timeout).toBe(900);
    const env = fn.Properties!.Environment.Variables;
    modelsRefreshSettingsSchemaCheck(JSON.parse(env.THREADLINE_CONFIG));
    expect(JSON.parse(env.THREADLINE_CONFIG).lookbackDays).toBe(3);
    expect(JSON.parse(prod.json.Resources[fnId(prod)]!.Properties!.Environment.Variables.THREADLINE_CONFIG).lookbackDays).toBe(5);
    expect(env.THREADLINE_STATE_PARAMETER).toBe(modelsRefreshStateParameterName('dev'));
    expect(env.THREADLINE_DATABASE).toBe('threadline_dev');
    const [[, invoke]] = resourcesOfType(dev.json, 'AWS::Lambda::EventInvokeConfig') as [[string, any]];
    expect(invoke.Properties.MaximumRetryAttempts).toBe(0);
  });

  it('holds exactly the actions it calls: Athena, Glue, the state parameter and S3', () => {
    const role = dev.json.Resources[fnId(dev)]!.Properties!.Role['Fn::GetAtt'][0];
    const st = statementsOfRole(dev.json, role);
    const want = ['logs:CreateLogStream', 'logs:PutLogEvents', ...Object.values(MODELS_REFRESH_ACTIONS).flat()];
    expect(actionsOf(st)).toEqual([...new Set(want)].sort());
    const resources = JSON.stringify(st.map((s) => s.Resource));
    expect(resources).toContain('models/*');
    expect(resources).not.toContain('attribution_results');
    // Writes only under models/ and athena-results/.
    const writes = st.filter((s) => ([] as string[]).concat(s.Action).includes('s3:PutObject'));
    expect(JSON.stringify(writes.map((s) => s.Resource))).toMatch(/models\/\*.*athena-results\/\*/);
    expect(JSON.stringify(writes.map((s) => s.Resource))).not.toMatch(/events\/|identity_changes\//);
  });

  it('the state parameter starts as {} (no state: the first run rebuilds everything)', () => {
    const params = resourcesOfType(dev.json, 'AWS::SSM::Parameter').filter(
      ([, p]) => p.Properties!.Name === modelsRefreshStateParameterName('dev'),
    );
    expect(params).toHaveLength(1);
    expect(params[0]![1].Properties!.Value).toBe('{}');
  });
});

describe('schedule and alarm', () => {
  it('an EventBridge Scheduler schedule invokes the function at the configured rate', () => {
    const rate = (s: typeof dev) => resourcesOfType(s.json, 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties!);
    const [d] = rate(dev);
    expect(d!.ScheduleExpression).toBe('rate(1 hour)');
    expect(d!.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(JSON.stringify(d!.Target.Arn)).toContain(fnId(dev));
    expect(d!.Target.RetryPolicy.MaximumRetryAttempts).toBe(0);
    expect(rate(prod)[0]!.ScheduleExpression).toBe('rate(30 minutes)');
  });

  it('the schedule role may invoke the refresh function and nothing else', () => {
    const [[roleId]] = resourcesOfType(dev.json, 'AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties!.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    ) as [[string, unknown]];
    const st = statementsOfRole(dev.json, roleId);
    expect(actionsOf(st)).toEqual(['lambda:InvokeFunction']);
    expect(JSON.stringify(st.map((s) => s.Resource))).toContain(fnId(dev));
  });

  it('an alarm on the function errors notifies the alarm topic', () => {
    const topic = logicalIdOf(dev.stack, dev.stack.observability.topic);
    const alarms = resourcesOfType(dev.json, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties!.MetricName === 'Errors' && JSON.stringify(a.Properties!.Dimensions).includes(fnId(dev)),
    );
    expect(alarms).toHaveLength(1);
    expect(JSON.stringify(alarms[0]![1].Properties!.AlarmActions)).toContain(topic);
  });

  it('refuses a rate outside 5 minutes to a day', () => {
    expect(() => synth({ models: { refreshEveryMinutes: 2 } }, { bundle: false })).toThrow(/models.refreshEveryMinutes/);
  });
});
