/**
 * What the refresh function is configured with, read once at cold start. The stack sets:
 *   THREADLINE_CONFIG            JSON { lookbackDays, views } (views: the same ViewConfig the views
 *                                were rendered with, so the refresh writes what the views expect)
 *   THREADLINE_WORKGROUP, THREADLINE_DATABASE, THREADLINE_STATE_PARAMETER
 */
import { z } from 'zod';
import { resolveViewConfig, type ViewConfig } from '../../sql/index.js';
import { FUNCTION_CONFIG_VAR } from '../shared/function-config.js';

export const DEFAULT_REFRESH_LOOKBACK_DAYS = 3;

export const modelsRefreshSettingsSchema = z.strictObject({
  lookbackDays: z.number().int().min(0).max(365),
  views: z.record(z.string(), z.unknown()),
});
export type ModelsRefreshSettings = z.infer<typeof modelsRefreshSettingsSchema>;

export interface ModelsRefreshConfig {
  readonly workGroup: string;
  readonly database: string;
  readonly stateParameter: string;
  readonly lookbackDays: number;
  readonly views: ViewConfig;
}

/** The function's environment from its settings (lib/ sets it; the same schema parses it). */
export function modelsRefreshEnvironment(
  settings: ModelsRefreshSettings,
  names: { workGroup: string; database: string; stateParameter: string },
): Record<string, string> {
  return {
    [FUNCTION_CONFIG_VAR]: JSON.stringify(modelsRefreshSettingsSchema.parse(settings)),
    THREADLINE_WORKGROUP: names.workGroup,
    THREADLINE_DATABASE: names.database,
    THREADLINE_STATE_PARAMETER: names.stateParameter,
  };
}

export function readModelsRefreshConfig(env: NodeJS.ProcessEnv): ModelsRefreshConfig {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  const raw = env[FUNCTION_CONFIG_VAR];
  const settings = raw ? modelsRefreshSettingsSchema.parse(JSON.parse(raw)) : { lookbackDays: DEFAULT_REFRESH_LOOKBACK_DAYS, views: {} };
  return {
    workGroup: need('THREADLINE_WORKGROUP'),
    database: need('THREADLINE_DATABASE'),
    stateParameter: need('THREADLINE_STATE_PARAMETER'),
    lookbackDays: settings.lookbackDays,
    views: resolveViewConfig(settings.views as Partial<ViewConfig>),
  };
}
